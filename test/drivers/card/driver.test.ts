import { afterEach, describe, expect, it } from 'vitest';
import { CardDispenser, type CardDispenserOptions } from '../../../drivers/card/driver.ts';
import { CardDispenserSimulator, type CardDispenserSimulatorOptions } from '../../../drivers/card/simulator.ts';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { openSerial, type ByteTransport } from '../../../drivers/core/serial-transport.ts';
import { startSimulator } from '../../../drivers/core/simulator-host.ts';
import type { SimulatorEvent } from '../../../drivers/core/simulator.ts';

/** Real driver, real simulator, real pseudo-terminal between them (DESIGN.md §8). */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Wraps the transport to keep every byte the driver writes, so a test can see the handshake. */
function recording(transport: ByteTransport): { transport: ByteTransport; written: number[] } {
  const written: number[] = [];
  return {
    written,
    transport: {
      get isOpen() {
        return transport.isOpen;
      },
      write: (bytes) => {
        written.push(...bytes);
        return transport.write(bytes);
      },
      onData: (listener) => transport.onData(listener),
      onClose: (listener) => transport.onClose(listener),
      close: () => transport.close(),
    },
  };
}

async function setup(simOptions: CardDispenserSimulatorOptions = {}, driverOptions: CardDispenserOptions = {}) {
  const running = await startSimulator(new CardDispenserSimulator(simOptions));
  cleanups.push(() => running.close());
  const { transport, written } = recording(await openSerial(running.port, { baudRate: 9600 }));
  const dispenser = new CardDispenser(transport, { replyTimeoutMs: 1_000, ackTimeoutMs: 100, ...driverOptions });
  cleanups.push(() => dispenser.close());
  const events: SimulatorEvent[] = [];
  running.onEvent((e) => events.push(e));
  const control = (line: string) => {
    const reply = running.control(line);
    expect(reply, line).toMatchObject({ ok: true });
    return reply;
  };
  return { dispenser, control, events, written };
}

async function rejection(work: Promise<unknown>): Promise<DeviceError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeviceError);
  return error as DeviceError;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CardDispenser against the CRT-591-M simulator over a pty', () => {
  it('opens by path, initialises and reports status, ACKing every reply', async () => {
    const running = await startSimulator(new CardDispenserSimulator());
    cleanups.push(() => running.close());
    const dispenser = await CardDispenser.open(running.port, { baudRate: 9600 });
    cleanups.push(() => dispenser.close());

    expect(await dispenser.initialize()).toEqual({ firmware: 'CRT-591-M001' });
    expect(await dispenser.status()).toEqual({ status: 'online', cardAt: 'none', stacker: 'full', bin: 'ok' });
    await delay(20);
    expect(running.control('state')).toMatchObject({ initialised: true, repliesNotAcknowledged: 0 });
  });

  it('takes a patient card in, waits for it and reads its number from the M1 sector', async () => {
    const { dispenser, control, events } = await setup();
    await dispenser.initialize();
    await dispenser.enableEntry(true);
    const arrived = dispenser.waitForCard({ pollMs: 20 });
    await delay(60);
    control('insert 0012345678');
    await arrived;
    expect(await dispenser.readCardNumber()).toBe('0012345678');
    expect(events).toContainEqual({ event: 'card', action: 'inserted', cardNo: '0012345678' });
  });

  it('leaves a card at the gate when entry is disabled', async () => {
    const { dispenser, control } = await setup();
    await dispenser.initialize();
    control('insert 42');
    expect(await dispenser.status()).toMatchObject({ cardAt: 'gate' });
    expect((await rejection(dispenser.readCardNumber())).code).toBe('NO_CARD');
  });

  it('ejects the card to the gate and sees the patient take it', async () => {
    const { dispenser, control, events } = await setup();
    await dispenser.initialize();
    await dispenser.enableEntry(true);
    control('insert 77');
    await dispenser.eject();
    expect(await dispenser.status()).toMatchObject({ cardAt: 'gate' });
    const taken = dispenser.waitForTaken({ timeoutMs: 2_000, pollMs: 20 });
    await delay(60);
    control('take');
    expect(await taken).toBe(true);
    expect(events.map((e) => e.action)).toEqual(['inserted', 'ejected', 'taken']);
  });

  it('captures a card the patient left at the gate', async () => {
    const { dispenser, control, events } = await setup();
    await dispenser.initialize();
    await dispenser.enableEntry(true);
    control('insert 77');
    await dispenser.eject();
    expect(await dispenser.waitForTaken({ timeoutMs: 150, pollMs: 20 })).toBe(false);
    await dispenser.capture();
    expect(control('state')).toMatchObject({ cardAt: 'none', binCount: 1 });
    expect(events.at(-1)).toEqual({ event: 'card', action: 'captured', cardNo: '77' });
    expect((await rejection(dispenser.capture())).code).toBe('NO_CARD');
  });

  it('dispenses new cards from the stacker, first given first', async () => {
    const { dispenser, control, events } = await setup({ stacker: 3, cards: ['100000000001', '100000000002'] });
    await dispenser.initialize();
    expect(await dispenser.status()).toMatchObject({ stacker: 'low' });
    await dispenser.dispense();
    expect(await dispenser.status()).toMatchObject({ cardAt: 'reader' });
    expect(await dispenser.readCardNumber()).toBe('100000000001');
    expect(control('state')).toMatchObject({ stacker: 2, cardNo: '100000000001' });
    expect(events).toEqual([{ event: 'card', action: 'dispensed', cardNo: '100000000001' }]);
  });

  it('reports an empty stacker as STACKER_EMPTY', async () => {
    const { dispenser, control } = await setup();
    await dispenser.initialize();
    control('stacker 0');
    expect(await dispenser.status()).toMatchObject({ stacker: 'empty' });
    const error = await rejection(dispenser.dispense());
    expect(error.code).toBe('STACKER_EMPTY');
    expect(error.detail).toMatchObject({ deviceCode: 'A0', command: 'dispense' });
  });

  it('reports a full bin as BIN_FULL', async () => {
    const { dispenser, control } = await setup();
    await dispenser.initialize();
    await dispenser.dispense();
    control('bin-full on');
    expect(await dispenser.status()).toMatchObject({ bin: 'full' });
    expect((await rejection(dispenser.capture())).code).toBe('BIN_FULL');
  });

  it('reports a jam as JAM and stays in hardwareError until cleared and initialised', async () => {
    const { dispenser, control } = await setup();
    await dispenser.initialize();
    control('jam');
    const error = await rejection(dispenser.dispense());
    expect(error.code).toBe('JAM');
    expect(error.detail).toMatchObject({ deviceCode: '10', deviceError: 'cardJam' });
    expect(await dispenser.status()).toMatchObject({ status: 'hardwareError' });
    expect((await rejection(dispenser.initialize())).code).toBe('JAM');
    control('unjam');
    await dispenser.initialize();
    expect(await dispenser.status()).toMatchObject({ status: 'online' });
  });

  it('passes on "not initialised" with the device code', async () => {
    const { dispenser } = await setup();
    const error = await rejection(dispenser.dispense());
    expect(error.code).toBe('DEVICE_REPORTED');
    expect(error.detail).toMatchObject({ deviceCode: 'B0', deviceError: 'notInitialised' });
  });

  it('NAKs a garbled reply and takes the repeat', async () => {
    const { dispenser, control, written } = await setup();
    await dispenser.initialize();
    control('garble');
    written.length = 0;
    expect(await dispenser.status()).toMatchObject({ status: 'online' });
    // command, NAK for the corrupted reply, ACK for the repeat
    expect(written.slice(9)).toEqual([0x15, 0x06]);
    await delay(20);
    expect(control('state')).toMatchObject({ garbleNext: false, repliesNotAcknowledged: 0 });
  });

  it('tolerates line noise before a reply', async () => {
    const { dispenser, control } = await setup();
    control('noise 00ff41f2');
    expect(await dispenser.initialize()).toEqual({ firmware: 'CRT-591-M001' });
  });

  it('gives TIMEOUT when the unit is silent, after three sends', async () => {
    const { dispenser, control, written } = await setup({}, { ackTimeoutMs: 50 });
    control('silent on');
    const started = Date.now();
    const error = await rejection(dispenser.status());
    expect(error.code).toBe('TIMEOUT');
    expect(error.detail).toMatchObject({ sends: 3 });
    expect(written).toHaveLength(3 * 9);
    expect(Date.now() - started).toBeLessThan(1_000);
    control('silent off');
    expect(await dispenser.status()).toMatchObject({ status: 'online' });
  });

  it('gives ABORTED when the signal fires, while polling or before sending', async () => {
    const { dispenser, written } = await setup();
    await dispenser.initialize();
    const controller = new AbortController();
    const waiting = dispenser.waitForCard({ pollMs: 20, signal: controller.signal });
    setTimeout(() => controller.abort(), 60);
    expect((await rejection(waiting)).code).toBe('ABORTED');

    written.length = 0;
    expect((await rejection(dispenser.status(AbortSignal.abort()))).code).toBe('ABORTED');
    expect(written).toEqual([]);
    expect(await dispenser.status()).toMatchObject({ status: 'online' });
  });

  it('aborts a command the unit never answers without waiting for its timeout', async () => {
    const { dispenser, control } = await setup({}, { ackTimeoutMs: 1_000 });
    control('silent on');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    expect((await rejection(dispenser.status(controller.signal))).code).toBe('ABORTED');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('runs concurrent calls one at a time', async () => {
    const { dispenser } = await setup();
    await dispenser.initialize();
    const [a, , b] = await Promise.all([dispenser.status(), dispenser.dispense(), dispenser.status()]);
    expect(a.cardAt).toBe('none');
    expect(b.cardAt).toBe('reader');
  });

  it('refuses a card whose sector the configured key does not open', async () => {
    const { dispenser } = await setup({}, { key: { type: 'A', key: Uint8Array.of(1, 2, 3, 4, 5, 6) } });
    await dispenser.initialize();
    await dispenser.dispense();
    const error = await rejection(dispenser.readCardNumber());
    expect(error.code).toBe('DEVICE_REPORTED');
    expect(error.detail).toMatchObject({ step: 'verifyKey', sw: '6F00' });
  });

  it('reads with a non-default key when the cards carry it', async () => {
    const key = { type: 'B' as const, key: Uint8Array.of(0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5) };
    const { dispenser } = await setup({ cards: ['5550001'], cardKey: key }, { key });
    await dispenser.initialize();
    await dispenser.dispense();
    expect(await dispenser.readCardNumber()).toBe('5550001');
  });

  it('takes in a card a patient pushed against the closed gate once the gate opens', async () => {
    const { dispenser, control } = await setup();
    await dispenser.initialize();
    control('insert 6660001');
    expect((await dispenser.status()).cardAt).toBe('gate');
    await dispenser.enableEntry(true);
    expect((await dispenser.status()).cardAt).toBe('reader');
    expect(await dispenser.readCardNumber()).toBe('6660001');
  });

  it('does not take back in a card it presented at the gate', async () => {
    const { dispenser } = await setup({ cards: ['6660002'] });
    await dispenser.initialize();
    await dispenser.dispense();
    await dispenser.eject();
    await dispenser.enableEntry(true);
    expect((await dispenser.status()).cardAt).toBe('gate');
  });

  it('reads the number where a hospital put it, and finds none where it is not', async () => {
    const layout = { sector: 5, block: 2 };
    const placed = await setup({ cards: ['7770001'], layout }, { layout });
    await placed.dispenser.initialize();
    await placed.dispenser.dispense();
    expect(await placed.dispenser.readCardNumber()).toBe('7770001');

    const elsewhere = await setup({ cards: ['7770002'], layout });
    await elsewhere.dispenser.initialize();
    await elsewhere.dispenser.dispense();
    expect((await rejection(elsewhere.dispenser.readCardNumber())).code).toBe('PROTOCOL');
  });

  it('gives NOT_OPEN after close', async () => {
    const { dispenser } = await setup();
    await dispenser.close();
    expect((await rejection(dispenser.status())).code).toBe('NOT_OPEN');
  });
});
