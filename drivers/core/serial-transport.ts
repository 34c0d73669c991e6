import { SerialPort } from 'serialport';
import { DeviceError } from './device-error.ts';

/**
 * The byte pipe every serial driver sits on. Drivers never see serialport itself, so the same
 * driver runs over a real RS-232 port, a USB CDC port, or a pseudo-terminal made by a simulator.
 */
export interface ByteTransport {
  write(bytes: Uint8Array): Promise<void>;
  onData(listener: (chunk: Buffer) => void): void;
  onClose(listener: (error?: Error) => void): void;
  close(): Promise<void>;
  readonly isOpen: boolean;
}

export interface SerialOptions {
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 2;
  parity?: 'none' | 'even' | 'odd';
}

export async function openSerial(path: string, options: SerialOptions): Promise<ByteTransport> {
  const port = new SerialPort({ path, autoOpen: false, ...options });
  await new Promise<void>((resolve, reject) =>
    port.open((err) =>
      err ? reject(new DeviceError('TRANSPORT', `cannot open ${path}: ${err.message}`, { path })) : resolve(),
    ),
  );
  // A port that goes away (USB unplugged, the pty closed under us) also emits 'error' after a
  // failed write; the write already rejects with TRANSPORT, and an unheard 'error' would crash
  // the whole kiosk instead.
  port.on('error', () => undefined);
  return {
    get isOpen() {
      return port.isOpen;
    },
    write: (bytes) =>
      new Promise((resolve, reject) => {
        if (!port.isOpen) return reject(new DeviceError('NOT_OPEN', `${path} is not open`, { path }));
        port.write(Buffer.from(bytes), (err) => {
          if (err) return reject(new DeviceError('TRANSPORT', `write to ${path} failed: ${err.message}`, { path }));
          port.drain(() => resolve());
        });
      }),
    onData: (listener) => void port.on('data', listener),
    onClose: (listener) => void port.on('close', (err?: Error) => listener(err ?? undefined)),
    close: () =>
      new Promise((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}
