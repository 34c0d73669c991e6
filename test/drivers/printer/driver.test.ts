import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { startSimulator, type RunningSimulator } from '../../../drivers/core/simulator-host.ts';
import type { SimulatorEvent } from '../../../drivers/core/simulator.ts';
import { ReceiptPrinter } from '../../../drivers/printer/driver.ts';
import { layoutRow, type ReceiptDocument } from '../../../drivers/printer/encoder.ts';
import { ReceiptPrinterSimulator } from '../../../drivers/printer/simulator.ts';

// The real driver against the simulator over a socat pseudo-terminal pair (DESIGN.md §8).

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  sim: RunningSimulator;
  printer: ReceiptPrinter;
  events: SimulatorEvent[];
  /** Every byte the driver sent, as the simulator received it. */
  received: () => Buffer;
}

async function rig(statusTimeoutMs = 1000): Promise<Rig> {
  const device = new ReceiptPrinterSimulator();
  const chunks: Buffer[] = [];
  const receive = device.receive.bind(device);
  device.receive = (chunk) => {
    chunks.push(chunk);
    receive(chunk);
  };
  const sim = await startSimulator(device);
  cleanups.push(() => sim.close());
  const events: SimulatorEvent[] = [];
  sim.onEvent((e) => events.push(e));
  const printer = await ReceiptPrinter.open(sim.port, { statusTimeoutMs });
  cleanups.push(() => printer.close());
  return { sim, printer, events, received: () => Buffer.concat(chunks) };
}

async function deviceError(promise: Promise<unknown>): Promise<DeviceError> {
  const e: unknown = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DeviceError);
  return e as DeviceError;
}

const dleEot = (...ns: number[]) => Buffer.from(ns.flatMap((n) => [0x10, 0x04, n]));

const receipt: ReceiptDocument = [
  { text: '某某市第一人民医院', align: 'center', bold: true, size: 2 },
  { text: '门诊缴费凭条', align: 'center' },
  { rule: '-' },
  { text: '姓名：李喆  堃𪚥' },
  { text: 'ID: 440************123' },
  { row: ['挂号费', '¥12.00'], fill: '.' },
  { row: ['诊查费', '¥30.00'], fill: '.' },
  { qr: '01HZX3V9Q6A7B8C9D0E1F2G3H4', moduleSize: 6 },
  { text: '请妥善保管' },
];
const receiptLines = [
  '某某市第一人民医院',
  '门诊缴费凭条',
  '-'.repeat(48),
  '姓名：李喆  堃𪚥',
  'ID: 440************123',
  ...layoutRow('挂号费', '¥12.00', 48, '.'),
  ...layoutRow('诊查费', '¥30.00', 48, '.'),
  '请妥善保管',
];

describe('ReceiptPrinter against the simulator over a pty', () => {
  it('prints a Chinese receipt with a QR that the printer parses back exactly', async () => {
    const { sim, printer, events } = await rig();
    const after = await printer.print(receipt);
    expect(after).toEqual({ status: 'online', paper: 'ok', coverOpen: false, cutterError: false, online: true });
    expect(sim.control('last').receipt).toMatchObject({ lines: receiptLines, qr: ['01HZX3V9Q6A7B8C9D0E1F2G3H4'] });
    expect(events).toEqual([expect.objectContaining({ event: 'receipt', lines: receiptLines })]);
    expect(sim.control('receipts').count).toBe(1);
  });

  it('reports paper low and still prints', async () => {
    const { sim, printer } = await rig();
    sim.control('paper low');
    expect(await printer.status()).toEqual({ status: 'online', paper: 'low', coverOpen: false, cutterError: false, online: true });
    expect((await printer.print(receipt)).paper).toBe('low');
    expect(sim.control('receipts').count).toBe(1);
  });

  it('refuses with PAPER_OUT before printing and sends nothing but status requests', async () => {
    const { sim, printer, received } = await rig();
    sim.control('paper out');
    const e = await deviceError(printer.print(receipt));
    expect(e.code).toBe('PAPER_OUT');
    expect(e.detail).toMatchObject({ printed: false, started: false, status: { status: 'userError', paper: 'out' } });
    expect(received()).toEqual(dleEot(1, 2, 3, 4));
    expect(sim.control('receipts').count).toBe(0);
  });

  it('reports PAPER_OUT with printed: false when the roll ends mid-receipt', async () => {
    const { sim, printer, events } = await rig();
    sim.control('paper-after 3');
    const e = await deviceError(printer.print(receipt));
    expect(e.code).toBe('PAPER_OUT');
    expect(e.detail).toMatchObject({ printed: false, started: true });
    expect(events).toEqual([]);
    expect(sim.control('receipts').count).toBe(0);
    expect((await printer.status()).paper).toBe('out');

    sim.control('paper ok');
    await printer.print(receipt);
    expect(sim.control('last').receipt).toMatchObject({ lines: receiptLines });
  });

  it('refuses with COVER_OPEN, and prints once the cover is closed', async () => {
    const { sim, printer } = await rig();
    sim.control('cover open');
    expect(await printer.status()).toMatchObject({ status: 'userError', coverOpen: true, online: false });
    const e = await deviceError(printer.print(receipt));
    expect(e.code).toBe('COVER_OPEN');
    sim.control('cover closed');
    await printer.print(receipt);
    expect(sim.control('receipts').count).toBe(1);
  });

  it('refuses with CUTTER_ERROR, a hardwareError', async () => {
    const { sim, printer } = await rig();
    sim.control('cutter error');
    expect(await printer.status()).toMatchObject({ status: 'hardwareError', cutterError: true });
    expect((await deviceError(printer.print(receipt))).code).toBe('CUTTER_ERROR');
  });

  it('discards one garbled status byte and asks again', async () => {
    const { sim, printer, received } = await rig();
    sim.control('garble');
    expect((await printer.status()).status).toBe('online');
    expect(received()).toEqual(dleEot(1, 1, 2, 3, 4));
  });

  it('gives BAD_FRAME when the retry is garbled too', async () => {
    const { sim, printer } = await rig();
    sim.control('garble 2');
    const e = await deviceError(printer.status());
    expect(e.code).toBe('BAD_FRAME');
    expect(e.detail).toEqual({ query: 1, byte: 0xff });
    // The printer is usable again afterwards.
    expect((await printer.status()).status).toBe('online');
  });

  it('times out when the printer stays silent', async () => {
    const { sim, printer } = await rig(200);
    sim.control('silent on');
    const e = await deviceError(printer.status());
    expect(e.code).toBe('TIMEOUT');
    expect(e.detail).toEqual({ query: 1 });
    sim.control('silent off');
    expect((await printer.status()).status).toBe('online');
  });

  it('runs one command at a time', async () => {
    const { sim, printer, received } = await rig();
    const [a, b] = await Promise.all([printer.status(), printer.print(receipt)]);
    expect(a.status).toBe('online');
    expect(b.status).toBe('online');
    expect(received().subarray(0, 6)).toEqual(dleEot(1, 2));
    expect(sim.control('receipts').count).toBe(1);
  });

  it('honours an aborted signal without sending anything', async () => {
    const { printer, received } = await rig();
    const e = await deviceError(printer.status(AbortSignal.abort()));
    expect(e.code).toBe('ABORTED');
    expect(received().length).toBe(0);
  });
});
