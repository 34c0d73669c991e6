import { parseArgs } from 'node:util';
import { startPaySimulator, type ChannelName } from '../../central/pay/index.ts';
import { exitCodes, UsageError } from '../exit.ts';

const usage = 'usage: zizhu pay-sim serve --channel wechat|alipay --port N --data DIR [--reverse-hold-ms N] [--password-ms N]';

/**
 * `zizhu pay-sim serve`: a simulated QR channel on 127.0.0.1 until SIGTERM/SIGINT. The first
 * stdout line is `{"url", "channel", "credentials"}`; the credentials file holds the merchant's
 * keys for a client adapter.
 */
export async function paySim(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { channel: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' }, 'reverse-hold-ms': { type: 'string' }, 'password-ms': { type: 'string' } },
  });
  const [action, ...extra] = positionals;
  if (action !== 'serve') throw new UsageError(`${action ? `unknown action "${action}"` : 'an action is required'}\n${usage}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n${usage}`);
  const channel = values.channel;
  if (channel !== 'wechat' && channel !== 'alipay') throw new UsageError(`--channel must be wechat or alipay\n${usage}`);
  if (!values.data) throw new UsageError(`--data is required\n${usage}`);
  const port = tcpPort(values.port);
  const reverseHoldMs = millis(values['reverse-hold-ms'], '--reverse-hold-ms');
  const passwordMs = millis(values['password-ms'], '--password-ms');
  try {
    const sim = await startPaySimulator({ channel: channel satisfies ChannelName, dataDir: values.data, port, ...(reverseHoldMs !== undefined ? { reverseHoldMs } : {}), ...(passwordMs !== undefined ? { passwordMs } : {}) });
    console.log(JSON.stringify({ url: sim.url, channel, credentials: sim.credentialsFile }));
    return await untilSignalled(() => sim.close());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    console.error(`zizhu pay-sim: port ${port} is in use`);
    return exitCodes.device;
  }
}

export function tcpPort(value: string | undefined): number {
  const port = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || port > 65535) throw new UsageError('--port must be a TCP port number (0 for any free port)');
  return port;
}

function millis(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`${flag} must be a whole number of milliseconds`);
  return Number(value);
}

export function untilSignalled(stop: () => Promise<void>): Promise<number> {
  return new Promise<number>((resolve) => {
    const onSignal = () => void stop().then(() => resolve(exitCodes.ok));
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
