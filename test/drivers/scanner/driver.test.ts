import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { startSimulator } from '../../../drivers/core/simulator-host.ts';
import type { SimulatorEvent } from '../../../drivers/core/simulator.ts';
import type { ScannedCode } from '../../../drivers/scanner/codec.ts';
import { QrScanner } from '../../../drivers/scanner/driver.ts';
import { QrScannerSimulator, type QrScannerSimulatorOptions } from '../../../drivers/scanner/simulator.ts';

/** Real driver, real simulator, real pseudo-terminal between them (DESIGN.md §8). */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: QrScannerSimulatorOptions = {}) {
  const running = await startSimulator(new QrScannerSimulator(options));
  cleanups.push(() => running.close());
  const scanner = await QrScanner.open(running.port);
  cleanups.push(() => scanner.close());
  const events: SimulatorEvent[] = [];
  running.onEvent((e) => events.push(e));
  const control = (line: string) => {
    const reply = running.control(line);
    expect(reply, line).toMatchObject({ ok: true });
    return reply;
  };
  return { scanner, control, events, running };
}

async function rejection(work: Promise<unknown>): Promise<DeviceError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeviceError);
  return error as DeviceError;
}

describe('QrScanner against the scanner simulator over a pty', () => {
  it('reads a scanned code with its kind, CR suffix', async () => {
    const { scanner, control } = await setup();
    const read = scanner.read({ timeoutMs: 2000 });
    control('scan 134567890123456789');
    expect(await read).toEqual({ code: '134567890123456789', kind: 'wechat' });
  });

  it('classifies the simulated payment codes and insurance token', async () => {
    const { scanner, control, events } = await setup();
    for (const kind of ['wechat', 'alipay', 'unionpay', 'insurance'] as const) {
      const read = scanner.read({ timeoutMs: 2000 });
      control(kind);
      expect((await read).kind).toBe(kind);
    }
    // The simulator's events carry the kind and a masked code, never the bearer credential.
    expect(events.map((e) => e.kind)).toEqual(['wechat', 'alipay', 'unionpay', 'insurance']);
    for (const e of events) expect(e.code).toMatch(/^\*+.{4}$/);
  });

  it('joins a decode that arrives in pieces, in CRLF mode too', async () => {
    const { scanner, control } = await setup({ pieceGapMs: 20 });
    control('crlf');
    control('split 4');
    const first = scanner.read({ timeoutMs: 2000 });
    control('scan 281234567890123456');
    expect(await first).toEqual({ code: '281234567890123456', kind: 'alipay' });
    // Byte by byte, so CR and LF arrive in separate reads: no empty decode may follow.
    control('split 99');
    const second = scanner.read({ timeoutMs: 2000 });
    control('scan 6212345678901234567');
    expect(await second).toEqual({ code: '6212345678901234567', kind: 'unionpay' });
    expect(control('state')).toMatchObject({ suffix: 'crlf', splitNext: 1, scans: 2 });
  });

  it('rejects line noise with BAD_FRAME, then reads the next good code', async () => {
    const { scanner, control } = await setup();
    const garbled = scanner.read({ timeoutMs: 2000 });
    control('garbage');
    const error = await rejection(garbled);
    expect(error.code).toBe('BAD_FRAME');
    expect(error.detail).toMatchObject({ reason: 'notText' });
    const next = scanner.read({ timeoutMs: 2000 });
    control('scan 134567890123456789');
    expect((await next).kind).toBe('wechat');
  });

  it('drops an overlong decode as garbage with a clear reason', async () => {
    const running = await startSimulator(new QrScannerSimulator());
    cleanups.push(() => running.close());
    const scanner = await QrScanner.open(running.port, { maxLength: 32 });
    cleanups.push(() => scanner.close());
    const read = scanner.read({ timeoutMs: 2000 });
    running.control(`scan ${'A'.repeat(40)}`);
    const error = await rejection(read);
    expect(error.code).toBe('BAD_FRAME');
    expect(error.detail).toMatchObject({ reason: 'overlong' });
    expect(error.message).toContain('suffix');
  });

  it('times out when nothing is scanned, and aborts on the signal', async () => {
    const { scanner } = await setup();
    expect((await rejection(scanner.read({ timeoutMs: 50 }))).code).toBe('TIMEOUT');
    const controller = new AbortController();
    const read = scanner.read({ signal: controller.signal, timeoutMs: 2000 });
    controller.abort();
    expect((await rejection(read)).code).toBe('ABORTED');
    expect((await rejection(scanner.read({ signal: AbortSignal.abort() }))).code).toBe('ABORTED');
  });

  it('allows one waiting read at a time, and does not keep a scan nobody asked for', async () => {
    const { scanner, control } = await setup();
    control('scan 134567890123456789');
    await new Promise((r) => setTimeout(r, 50));
    const read = scanner.read({ timeoutMs: 2000 });
    expect((await rejection(scanner.read({ timeoutMs: 2000 }))).code).toBe('BUSY');
    control('scan 2812345678901234');
    expect(await read).toEqual({ code: '2812345678901234', kind: 'alipay' });
  });

  it('onScan hears every decode and garbage until unsubscribed', async () => {
    const { scanner, control } = await setup();
    const scans: ScannedCode[] = [];
    const garbage: string[] = [];
    const arrived = new Promise<void>((resolve) => {
      const off = scanner.onScan(
        (scan) => {
          scans.push(scan);
          if (scans.length === 2) {
            off();
            resolve();
          }
        },
        (error) => garbage.push(error.code),
      );
    });
    control('wechat');
    control('garbage');
    control('unionpay');
    await arrived;
    expect(scans.map((s) => s.kind)).toEqual(['wechat', 'unionpay']);
    expect(garbage).toEqual(['BAD_FRAME']);
  });

  it('fails a waiting read with NOT_OPEN when the scanner is closed, and refuses reads after', async () => {
    const { scanner } = await setup();
    const read = rejection(scanner.read({ timeoutMs: 2000 }));
    await scanner.close();
    expect((await read).code).toBe('NOT_OPEN');
    expect((await rejection(scanner.read())).code).toBe('NOT_OPEN');
  });

  it('refuses a keyboard-wedge device path', async () => {
    const error = await rejection(QrScanner.open('/dev/input/event3'));
    expect(error.code).toBe('TRANSPORT');
    expect(error.message).toContain('USB-CDC');
  });
});
