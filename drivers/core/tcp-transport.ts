import net from 'node:net';
import { DeviceError } from './device-error.ts';
import type { ByteTransport } from './serial-transport.ts';

export interface TcpOptions {
  /** How long the connection may take. A printer that is off or unplugged drops the SYN, so this is what the caller waits for then. */
  connectTimeoutMs?: number;
}

/**
 * A raw TCP byte pipe, as network receipt printers offer on port 9100 (the "JetDirect" raw port):
 * the same ESC/POS bytes as on a serial line, and status replies come back on the same socket.
 * Every failure is a DeviceError TRANSPORT naming the peer and the socket's own error code.
 */
export async function openTcp(host: string, port: number, options: TcpOptions = {}): Promise<ByteTransport> {
  const where = `${host}:${port}`;
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new DeviceError('TRANSPORT', `cannot connect to ${where}: no answer within ${connectTimeoutMs} ms`, { host, port, cause: 'timeout' }));
    }, connectTimeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new DeviceError('TRANSPORT', `cannot connect to ${where}: ${e.code ?? e.message}`, { host, port, cause: e.code ?? e.message }));
    });
  });
  // Receipts are small and status requests are 3 bytes: Nagle would hold each request back.
  socket.setNoDelay(true);
  // A printer that loses power mid-job never sends FIN; keepalive lets the kernel notice.
  socket.setKeepAlive(true, 10_000);

  let failure: DeviceError | undefined;
  let closing = false;
  socket.on('error', (e: NodeJS.ErrnoException) => {
    failure = new DeviceError('TRANSPORT', `connection to ${where} failed: ${e.code ?? e.message}`, { host, port, cause: e.code ?? e.message });
  });
  // The peer closing its side is the end of the conversation: a printer never half-closes.
  socket.on('end', () => socket.destroy());

  return {
    get isOpen() {
      return !socket.destroyed;
    },
    write: (bytes) =>
      new Promise((resolve, reject) => {
        if (socket.destroyed) return reject(failure ?? new DeviceError('NOT_OPEN', `connection to ${where} is closed`, { host, port }));
        socket.write(Buffer.from(bytes), (err) => {
          if (err) return reject(failure ?? new DeviceError('TRANSPORT', `write to ${where} failed: ${err.message}`, { host, port }));
          resolve();
        });
      }),
    onData: (listener) => void socket.on('data', listener),
    onClose: (listener) =>
      void socket.on('close', () => {
        // Our own close is not a failure: listeners hear no error for it, as with a serial port.
        if (closing) return listener(undefined);
        listener(failure ?? new DeviceError('TRANSPORT', `${where} closed the connection`, { host, port, cause: 'closed' }));
      }),
    close: () =>
      new Promise((resolve) => {
        if (socket.destroyed) return resolve();
        socket.once('close', () => resolve());
        closing = true;
        socket.end();
        // A peer that never answers our FIN must not hold close() up.
        setTimeout(() => socket.destroy(), 500).unref();
      }),
  };
}
