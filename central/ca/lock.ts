import fs from 'node:fs';
import { CaError } from './errors.ts';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Serialises work on one CA folder across processes: a provisioning script issuing several
 * kiosks at once must not lose registry entries, nor create two CAs.
 */
export function withLock<T>(lockFile: string, work: () => T, timeoutMs = 10_000): T {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readOr(lockFile, ''));
      if (!holderAlive(holder)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > until) throw new CaError('CA_BUSY', `${lockFile} is held by process ${holder}`);
      Atomics.wait(pause, 0, 0, 20);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** A lock whose holder died (killed mid-issue) is stale; an unreadable or empty one is being written. */
function holderAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
