import net from 'node:net';
import { runControl, type RunningSimulator } from './simulator-host.ts';
import type { DeviceSimulator } from './simulator.ts';

export interface RunningTcpSimulator extends RunningSimulator {
  /** `tcp://HOST:PORT`: what a driver's `openAt` and `zizhu device ... --port` take. */
  readonly port: string;
  readonly host: string;
  readonly tcpPort: number;
  /** Drops the connection in use with a TCP reset, as a printer does when it reboots mid-job. */
  resetConnection(): void;
}

/**
 * Serves a simulator on a TCP port of this machine, the way a network receipt printer serves its
 * raw port 9100: one connection at a time, and a second client waits, unread, until the first
 * hangs up (a JetDirect port queues jobs; it never mixes two streams). Bytes are the device's
 * real bytes, as over a pty.
 */
export async function startTcpSimulator(sim: DeviceSimulator, options: { host?: string; port?: number } = {}): Promise<RunningTcpSimulator> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  const waiting: net.Socket[] = [];
  let current: net.Socket | undefined;

  const serveNext = () => {
    while (!current && waiting.length > 0) {
      const next = waiting.shift()!;
      if (next.destroyed) continue;
      current = next;
      next.on('data', (chunk: Buffer) => sim.receive(chunk));
      next.resume();
    }
  };
  sim.attach((bytes) => {
    if (current && !current.destroyed) current.write(bytes);
  });

  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    // A client that vanishes is its own business; the device carries on for the next one.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      if (current === socket) current = undefined;
      serveNext();
    });
    waiting.push(socket);
    serveNext();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0 }, () => resolve());
  });
  const tcpPort = (server.address() as net.AddressInfo).port;
  const hostInUrl = net.isIPv6(host) ? `[${host}]` : host;

  return {
    port: `tcp://${hostInUrl}:${tcpPort}`,
    host,
    tcpPort,
    control: (line) => runControl(sim, line),
    onEvent: (listener) => sim.onEvent(listener),
    resetConnection: () => current?.resetAndDestroy(),
    close: async () => {
      sim.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
