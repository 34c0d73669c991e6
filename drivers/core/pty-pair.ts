import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { DeviceError } from './device-error.ts';

/**
 * A pair of connected pseudo-terminals made by socat: the simulator opens `devicePath`, the
 * driver opens `hostPath`, and every byte crosses the kernel's tty layer as it would on RS-232.
 *
 * We hold the host end open ourselves: a pty master sees a hang-up when the last slave closes,
 * and socat would exit. Holding it lets a kiosk be killed and restarted against a simulator that
 * lives on, which is how the crash tests replay a journey.
 */
export interface PtyPair {
  readonly devicePath: string;
  readonly hostPath: string;
  close(): Promise<void>;
}

export async function openPtyPair(): Promise<PtyPair> {
  let socat: ChildProcess;
  try {
    socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new DeviceError('TRANSPORT', `cannot start socat: ${(e as Error).message}`);
  }
  const paths = await new Promise<string[]>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new DeviceError('TIMEOUT', 'socat did not report its ptys')), 5000);
    socat.once('error', (e) => {
      clearTimeout(timer);
      reject(new DeviceError('TRANSPORT', `cannot start socat (is it installed?): ${e.message}`));
    });
    socat.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const found = [...text.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!);
      if (found.length === 2) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  const [devicePath, hostPath] = paths as [string, string];
  const holder = fs.openSync(hostPath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  return {
    devicePath,
    hostPath,
    close: async () => {
      fs.closeSync(holder);
      if (socat.exitCode === null) {
        const exited = new Promise((r) => socat.once('exit', r));
        socat.kill('SIGTERM');
        await exited;
      }
    },
  };
}
