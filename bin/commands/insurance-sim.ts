import { parseArgs } from 'node:util';
import { startInsuranceSimulator } from '../../central/insurance/index.ts';
import { exitCodes, UsageError } from '../exit.ts';
import { tcpPort, untilSignalled } from './pay-sim.ts';

const usage = 'usage: zizhu insurance-sim serve --port N --data DIR';

/** `zizhu insurance-sim serve`: the simulated national platform on 127.0.0.1 until SIGTERM/SIGINT; first stdout line `{"url"}`. */
export async function insuranceSim(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { port: { type: 'string' }, data: { type: 'string' } } });
  const [action, ...extra] = positionals;
  if (action !== 'serve') throw new UsageError(`${action ? `unknown action "${action}"` : 'an action is required'}\n${usage}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n${usage}`);
  if (!values.data) throw new UsageError(`--data is required\n${usage}`);
  const port = tcpPort(values.port);
  try {
    const sim = await startInsuranceSimulator({ dataDir: values.data, port });
    console.log(JSON.stringify({ url: sim.url }));
    return await untilSignalled(() => sim.close());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    console.error(`zizhu insurance-sim: port ${port} is in use`);
    return exitCodes.device;
  }
}
