import fs from 'node:fs';
import type { CaFiles } from './files.ts';

export type BrokerReload = 'reloaded' | 'not running';

/**
 * Sends SIGHUP to the broker running on this folder, which makes Mosquitto re-read its ACL without
 * dropping a connection. The pid file can outlive a killed broker and its number be reused, so
 * the process must still be a Mosquitto started with this folder's configuration: SIGHUP ends
 * most other programs.
 */
export function reloadBroker(files: CaFiles): BrokerReload {
  let pid: number;
  let commandLine: string[];
  try {
    pid = Number(fs.readFileSync(files.brokerPid, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return 'not running';
    commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return 'not running';
  }
  if (!commandLine[0]?.endsWith('mosquitto') || !commandLine.includes(files.brokerConfig)) return 'not running';
  try {
    process.kill(pid, 'SIGHUP');
    return 'reloaded';
  } catch {
    return 'not running';
  }
}
