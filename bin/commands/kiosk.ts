import { parseArgs } from 'node:util';
import { atTimeScale, ConfigError, exampleConfig, loadConfig } from '../../runtime/config.ts';
import { DeviceOpenError, runKiosk } from '../../runtime/kiosk.ts';
import { exitCodes, UsageError } from '../exit.ts';

/** `zizhu kiosk --config FILE` | `zizhu kiosk --example-config` */
export async function kiosk(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, 'example-config': { type: 'boolean' } } });
  if (values['example-config']) {
    console.log(JSON.stringify(exampleConfig(), null, 2));
    return exitCodes.ok;
  }
  if (!values.config) throw new UsageError('--config FILE is required (or --example-config)');
  let config;
  try {
    config = atTimeScale(loadConfig(values.config));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  let stop: () => Promise<void>;
  try {
    stop = await runKiosk(config);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    if (e instanceof DeviceOpenError) {
      console.error(`zizhu kiosk: ${e.message}`);
      return exitCodes.device;
    }
    throw e;
  }
  return new Promise<number>((resolve) => {
    const done = () => void stop().then(() => resolve(exitCodes.ok));
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
    process.once('SIGHUP', done);
  });
}
