import fs from 'node:fs';

export interface OwnSocket {
  localPort: number;
  remotePort: number;
}

/**
 * The TCP sockets this process holds, read from the kernel (/proc), so a test of "nothing left
 * open" does not rest on the bookkeeping of the code under test. Linux only.
 */
export function ownTcpSockets(): OwnSocket[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // The descriptor closed between listing and reading it.
    }
  }
  const sockets: OwnSocket[] = [];
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9]!)) continue;
      const port = (address: string) => parseInt(address.split(':')[1]!, 16);
      sockets.push({ localPort: port(cols[1]!), remotePort: port(cols[2]!) });
    }
  }
  return sockets;
}
