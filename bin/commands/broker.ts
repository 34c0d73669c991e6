import { parseArgs } from 'node:util';
import { startBroker } from '../../central/broker/mosquitto.ts';
import { caFiles } from '../../central/ca/index.ts';
import { UsageError } from '../exit.ts';

/**
 * `zizhu broker --port N [--data DIR]`, or `--tls --port N --data DIR` for mutual TLS with the CA
 * kept in DIR (docs/tls.md). Runs until SIGTERM/SIGINT, then stops Mosquitto cleanly.
 */
export async function broker(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, data: { type: 'string' }, tls: { type: 'boolean' } } });
  const port = Number(values.port);
  if (!values.port || !Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--port must be a TCP port number');
  if (values.tls && !values.data) throw new UsageError('--tls needs --data DIR: the CA, the broker certificate and the ACL live there');
  const running = await startBroker({ port, dataDir: values.data, tls: values.tls, log: (l) => console.error(l) });
  console.log(JSON.stringify({ broker: running.url, ...(values.tls ? { ca: caFiles(running.dataDir).caCert } : {}) }));
  return new Promise<number>((resolve) => {
    const stop = () => void running.stop().then(() => resolve(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    running.process.once('exit', (code) => resolve(code === 0 ? 0 : 4));
  });
}
