import readline from 'node:readline';
import { hashPin } from '../../runtime/staff.ts';
import { exitCodes, UsageError } from '../exit.ts';

/**
 * `zizhu staff pin-hash`: reads a PIN from stdin (so it stays out of the shell history and the
 * process list) and prints the value for a `staff[].pin` entry of the kiosk's config.
 */
export async function staff(argv: string[]): Promise<number> {
  if (argv[0] !== 'pin-hash') throw new UsageError('usage: zizhu staff pin-hash   (then type the PIN, 4 to 8 digits, and Enter)');
  const pin = await new Promise<string>((resolve) => readline.createInterface({ input: process.stdin }).once('line', resolve));
  try {
    console.log(hashPin(pin.trim()));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return exitCodes.ok;
}
