import { parseArgs } from 'node:util';
import { startBroker } from '../../central/broker/mosquitto.ts';
import { UsageError } from '../exit.ts';

/** `zizhu broker --port N [--data DIR]`: runs until SIGTERM/SIGINT, then stops Mosquitto cleanly. */
export async function broker(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, data: { type: 'string' } } });
  const port = Number(values.port);
  if (!values.port || !Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--port must be a TCP port number');
  const running = await startBroker({ port, dataDir: values.data, log: (l) => console.error(l) });
  console.log(JSON.stringify({ broker: running.url }));
  return new Promise<number>((resolve) => {
    const stop = () => void running.stop().then(() => resolve(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    running.process.once('exit', (code) => resolve(code === 0 ? 0 : 4));
  });
}
