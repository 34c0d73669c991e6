import { afterEach, describe, expect, it } from 'vitest';
import { BillAcceptor, type AcceptOptions, type AcceptResult, type BillAcceptorOptions, type CashEvent } from '../../../drivers/cash/driver.ts';
import { BillAcceptorSimulator, type BillAcceptorSimulatorOptions } from '../../../drivers/cash/simulator.ts';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { openSerial, type ByteTransport } from '../../../drivers/core/serial-transport.ts';
import { startSimulator } from '../../../drivers/core/simulator-host.ts';
import type { SimulatorEvent } from '../../../drivers/core/simulator.ts';

/** Real driver, real simulator, real pseudo-terminal between them (DESIGN.md §8). */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Keeps every byte the driver writes, so a test can see which packets went out. */
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

async function setup(simOptions: BillAcceptorSimulatorOptions = {}, driverOptions: BillAcceptorOptions = {}) {
  const running = await startSimulator(new BillAcceptorSimulator(simOptions));
  cleanups.push(() => running.close());
  const { transport, written } = recording(await openSerial(running.port, { baudRate: 9600, stopBits: 2 }));
  const unit = new BillAcceptor(transport, { pollMs: 20, replyTimeoutMs: 100, drainMs: 2_000, ...driverOptions });
  cleanups.push(() => unit.close());

  const simEvents: SimulatorEvent[] = [];
  const waiters = new Set<() => void>();
  running.onEvent((e) => {
    simEvents.push(e);
    for (const w of [...waiters]) w();
  });
  /** Resolves with the `times`-th simulator event of this action (counting those already seen). */
  const simEvent = (action: string, times = 1) =>
    new Promise<SimulatorEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${times}× "${action}" from the simulator; saw ${JSON.stringify(simEvents)}`));
      }, 5_000);
      const check = () => {
        const hit = simEvents.filter((e) => e.action === action)[times - 1];
        if (!hit) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(hit);
      };
      waiters.add(check);
      check();
    });
  const control = (line: string) => {
    const reply = running.control(line);
    expect(reply, line).toMatchObject({ ok: true });
    return reply;
  };
  const events: CashEvent[] = [];
  unit.onEvent((e) => events.push(e));

  /**
   * Starts a session and waits until the unit is enabled, so a patient can feed notes. The
   * session comes back wrapped: an async function would otherwise wait for it to end.
   */
  const accepting = async (options: AcceptOptions): Promise<{ session: Promise<AcceptResult> }> => {
    const enabledBefore = simEvents.filter((e) => e.action === 'enabled').length;
    const session = unit.acceptNotes(options);
    await simEvent('enabled', enabledBefore + 1);
    return { session };
  };
  return { unit, running, control, simEvent, simEvents, events, written, accepting };
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
const types = (events: CashEvent[]) => events.map((e) => e.type);

describe('BillAcceptor against the SSP simulator over a pty', () => {
  it('opens by path at 9600 8N2 and connects: sync, protocol, setup, serial number', async () => {
    const running = await startSimulator(new BillAcceptorSimulator({ serialNumber: 12345678 }));
    cleanups.push(() => running.close());
    const unit = await BillAcceptor.open(running.port);
    cleanups.push(() => unit.close());

    expect(await unit.connect()).toEqual({
      serialNumber: '12345678',
      firmware: '0390',
      currency: 'CNY',
      channels: [100, 500, 1000, 2000, 5000, 10000],
      protocolVersion: 7,
    });
    expect(await unit.status()).toEqual({ status: 'online', cashbox: 'ok', enabled: false, jam: 'none' });
    expect(running.control('state')).toMatchObject({ protocolVersion: 7, enabled: false });
  });

  it('takes notes to the amount, counting each only on its credit, and returns one that would pass it', async () => {
    const { unit, control, simEvent, events, accepting } = await setup();
    await unit.connect();
    const asked: [number, number][] = [];
    const { session } = await accepting({
      maxFen: 15_000,
      decide: (fen, acceptedFen) => {
        asked.push([fen, acceptedFen]);
        return 'accept';
      },
    });
    control('insert 10000');
    await simEvent('stacked');
    control('insert 10000');
    await simEvent('returned');
    control('insert 5000');
    const result = await session;

    expect(result).toEqual({ acceptedFen: 15_000, notes: [10_000, 5_000], ended: 'amountReached', inDoubt: [] });
    // The note that would pass the amount goes back without asking; the escrow never counted.
    expect(asked).toEqual([
      [10_000, 0],
      [5_000, 10_000],
    ]);
    expect(types(events)).toEqual([
      ...['reading', 'escrow', 'stacking', 'credit', 'stacked'],
      ...['reading', 'escrow', 'rejecting', 'rejected'],
      ...['reading', 'escrow', 'stacking', 'credit', 'stacked'],
      // one poll after the disable, to be sure no note was drawn in meanwhile
      'disabled',
    ]);
    expect(events.find((e) => e.type === 'credit')).toEqual({ type: 'credit', channel: 6, fen: 10_000 });
    expect(control('state')).toMatchObject({
      enabled: false,
      note: null,
      cashbox: { present: true, notes: 2, fen: 15_000, byDenomination: { '5000': 1, '10000': 1 } },
    });
  });

  it('returns a note the flow declines, and counts nothing for it', async () => {
    const { unit, control, simEvent, accepting } = await setup();
    await unit.connect();
    const controller = new AbortController();
    const { session } = await accepting({ maxFen: 10_000, decide: () => 'return', signal: controller.signal });
    control('insert 2000');
    expect(await simEvent('returned')).toMatchObject({ fen: 2000, reason: 'host' });
    controller.abort();
    expect(await session).toEqual({ acceptedFen: 0, notes: [], ended: 'stopped', inDoubt: [] });
    expect(control('state')).toMatchObject({ enabled: false, cashbox: { notes: 0 } });
  });

  it('holds the note in escrow while a slow decision is made, past the unit’s own escrow timeout', async () => {
    // Holds go out every 10 ms against a 300 ms escrow time; the decision takes twice that.
    const { unit, control, simEvent, simEvents, written, accepting } = await setup({ escrowTimeoutMs: 300 }, { pollMs: 10 });
    await unit.connect();
    const { session } = await accepting({ maxFen: 2000, signal: AbortSignal.timeout(5_000), decide: () => delay(600).then(() => 'accept' as const) });
    written.length = 0;
    control('insert 2000');
    expect(await session).toMatchObject({ acceptedFen: 2000, notes: [2000], ended: 'amountReached' });
    expect(simEvents.some((e) => e.action === 'returned')).toBe(false);
    // HOLD (18) went out while the decision was pending.
    expect(written.some((b, i) => b === 0x01 && written[i + 1] === 0x18)).toBe(true);
    await simEvent('stacked');
  });

  it('returns the note when the decision throws', async () => {
    const { unit, control, simEvent, accepting } = await setup();
    await unit.connect();
    const controller = new AbortController();
    const { session } = await accepting({
      maxFen: 5000,
      signal: controller.signal,
      decide: () => {
        throw new Error('journal write failed');
      },
    });
    control('insert 5000');
    await simEvent('returned');
    controller.abort();
    expect(await session).toMatchObject({ acceptedFen: 0, ended: 'stopped' });
  });

  it('reports a counterfeit as rejected and carries on taking notes', async () => {
    const { unit, control, simEvent, events, accepting } = await setup();
    await unit.connect();
    const { session } = await accepting({ maxFen: 500 });
    control('counterfeit 10000');
    expect(await simEvent('returned')).toMatchObject({ reason: 'counterfeit' });
    control('insert 500');
    expect(await session).toMatchObject({ acceptedFen: 500, notes: [500], ended: 'amountReached' });
    expect(types(events)).toContain('rejected');
  });

  it('lets the unit take only the denominations asked for', async () => {
    const { unit, control, simEvent, accepting } = await setup();
    await unit.connect();
    const { session } = await accepting({ maxFen: 10_000, channels: [10_000] });
    expect(control('state')).toMatchObject({ allowed: [10_000] });
    control('insert 5000');
    expect(await simEvent('returned')).toMatchObject({ fen: 5000, reason: 'inhibited' });
    control('insert 10000');
    expect(await session).toMatchObject({ acceptedFen: 10_000 });
  });

  it('on abort returns the note in escrow, then disables the unit', async () => {
    const { unit, control, simEvent, accepting } = await setup();
    await unit.connect();
    const controller = new AbortController();
    let decided: (d: 'accept') => void = () => undefined;
    const { session } = await accepting({ maxFen: 10_000, signal: controller.signal, decide: () => new Promise((r) => (decided = r)) });
    control('insert 10000');
    await simEvent('escrow');
    controller.abort();
    expect(await simEvent('returned')).toMatchObject({ fen: 10_000, reason: 'host' });
    decided('accept');
    expect(await session).toEqual({ acceptedFen: 0, notes: [], ended: 'stopped', inDoubt: [] });
    expect(control('state')).toMatchObject({ enabled: false, note: null, cashbox: { notes: 0 } });
  });

  it('on abort waits for a note already being stacked, and counts it', async () => {
    const { unit, control, simEvent, accepting } = await setup();
    await unit.connect();
    const controller = new AbortController();
    const { session } = await accepting({ maxFen: 20_000, signal: controller.signal });
    control('insert 5000');
    // Abort once the poll after the escrow has told the unit to stack the note.
    await simEvent('stacking');
    controller.abort();
    expect(await session).toEqual({ acceptedFen: 5000, notes: [5000], ended: 'stopped', inDoubt: [] });
    expect(control('state')).toMatchObject({ enabled: false, cashbox: { notes: 1 } });
  });

  it('stops on an unsafe jam while stacking: JAM, the note in doubt, status hardwareError until cleared', async () => {
    const { unit, control, simEvent, events, accepting } = await setup();
    await unit.connect();
    const { session } = await accepting({ maxFen: 20_000 });
    control('insert 10000');
    await simEvent('stacking');
    expect(control('state')).toMatchObject({ note: { stage: 'stacking' } });
    control('jam unsafe');
    const result = await session;
    expect(result).toMatchObject({ acceptedFen: 0, notes: [], ended: 'fault', inDoubt: [{ fen: 10_000, why: 'acceptedNotCredited' }] });
    expect(result.fault?.code).toBe('JAM');
    expect(result.fault?.detail).toEqual({ jam: 'unsafe' });
    expect(types(events)).toContain('unsafeJam');
    expect(await unit.status()).toEqual({ status: 'hardwareError', cashbox: 'ok', enabled: false, jam: 'unsafe' });
    control('clear-jam');
    expect(await unit.status()).toMatchObject({ status: 'online', jam: 'none' });
  });

  it('stops on a safe jam with no note: JAM safe, nothing in doubt', async () => {
    const { unit, control, accepting } = await setup();
    await unit.connect();
    const { session } = await accepting({ maxFen: 1000 });
    control('jam safe');
    const result = await session;
    expect(result).toMatchObject({ ended: 'fault', inDoubt: [] });
    expect(result.fault).toMatchObject({ code: 'JAM', detail: { jam: 'safe' } });
    expect(await unit.status()).toMatchObject({ status: 'hardwareError', jam: 'safe' });
  });

  it('stops on a full stacker with CASHBOX_FULL, keeping what was credited', async () => {
    const { unit, control, accepting } = await setup({ cashboxCapacity: 1 });
    await unit.connect();
    const { session } = await accepting({ maxFen: 20_000 });
    control('insert 10000');
    const result = await session;
    expect(result).toMatchObject({ acceptedFen: 10_000, notes: [10_000], ended: 'fault' });
    expect(result.fault?.code).toBe('CASHBOX_FULL');
    expect(await unit.status()).toMatchObject({ status: 'userError', cashbox: 'full' });
    control('cashbox-remove');
    control('cashbox-replace');
    await unit.status();
    expect(await unit.status()).toMatchObject({ status: 'online', cashbox: 'ok' });
  });

  it('stops when the cash box is taken out: CASHBOX_REMOVED, then ok once replaced', async () => {
    const { unit, control, events, accepting } = await setup();
    await unit.connect();
    const { session } = await accepting({ maxFen: 1000 });
    control('cashbox-remove');
    const result = await session;
    expect(result.fault?.code).toBe('CASHBOX_REMOVED');
    expect(await unit.status()).toMatchObject({ status: 'userError', cashbox: 'removed' });
    control('cashbox-replace');
    expect(await unit.status()).toMatchObject({ status: 'online', cashbox: 'ok' });
    expect(types(events).filter((t) => t === 'cashboxRemoved')).toHaveLength(1);
    expect(types(events)).toContain('cashboxReplaced');
  });

  it('reports nearlyFull from the capacity and count the runtime gives it', async () => {
    const { unit, control, accepting } = await setup({}, { cashboxCapacity: 10, cashboxNotes: 8 });
    await unit.connect();
    expect(await unit.status()).toMatchObject({ cashbox: 'ok' });
    const { session } = await accepting({ maxFen: 100 });
    control('insert 100');
    await session;
    expect(unit.currentStatus()).toMatchObject({ status: 'online', cashbox: 'nearlyFull' });
  });

  it('stops on a fraud attempt with FRAUD_ATTEMPT and status fraudAttempt', async () => {
    const { unit, control, simEvent, accepting } = await setup();
    await unit.connect();
    const { session } = await accepting({ maxFen: 10_000 });
    control('insert 2000');
    await simEvent('escrow');
    control('fraud');
    const result = await session;
    expect(result).toMatchObject({ acceptedFen: 0, ended: 'fault', inDoubt: [] });
    expect(result.fault).toMatchObject({ code: 'FRAUD_ATTEMPT', detail: { channel: 4, fen: 2000 } });
    expect(await unit.status()).toMatchObject({ status: 'fraudAttempt' });
    await unit.connect();
    expect(await unit.status()).toMatchObject({ status: 'online' });
  });

  it('after a power cut with a note stacking, puts the note cleared into the box in doubt and carries on', async () => {
    const { unit, control, simEvent, events, accepting } = await setup();
    await unit.connect();
    const { session } = await accepting({ maxFen: 2000 });
    control('insert 1000');
    await simEvent('stacking');
    control('power-up-with-note cashbox');
    await simEvent('enabled', 2);
    control('insert 2000');
    expect(await session).toEqual({ acceptedFen: 2000, notes: [2000], ended: 'amountReached', inDoubt: [{ fen: 1000, why: 'clearedIntoCashbox' }] });
    expect(types(events)).toEqual(expect.arrayContaining(['slaveReset', 'noteClearedIntoCashbox']));
    // The driver set the protocol, inhibits and enable again after the reset.
    expect(control('state')).toMatchObject({ protocolVersion: 7, cashbox: { byDenomination: { '1000': 1, '2000': 1 } } });
  });

  it('tells a note cleared out of the front at power-up on the first poll', async () => {
    const { unit, control, events } = await setup();
    control('power-up-with-note front 2000');
    await unit.connect();
    expect(await unit.status()).toMatchObject({ status: 'online', enabled: false });
    expect(events.slice(0, 2)).toEqual([{ type: 'slaveReset' }, { type: 'noteClearedFromFront', channel: 4, fen: 2000 }]);
  });

  it('resends on a bad CRC with the same SEQ; the unit repeats its reply and the credit counts once', async () => {
    const { unit, control, simEvent, accepting } = await setup();
    await unit.connect();
    const { session } = await accepting({ maxFen: 10_000 });
    control('insert 10000');
    await simEvent('stacking');
    // The next poll reply carries the credit.
    control('garble');
    expect(await session).toMatchObject({ acceptedFen: 10_000, notes: [10_000], ended: 'amountReached' });
    expect(control('state')).toMatchObject({ repeatedReplies: 1, garbleNext: false, cashbox: { notes: 1 } });
  });

  it('resends when a reply is lost on the line; the poll is not executed twice', async () => {
    const { unit, control, simEvent, accepting } = await setup();
    await unit.connect();
    const { session } = await accepting({ maxFen: 10_000 });
    control('insert 10000');
    await simEvent('stacking');
    control('drop-reply');
    expect(await session).toMatchObject({ acceptedFen: 10_000, notes: [10_000] });
    expect(control('state')).toMatchObject({ repeatedReplies: 1, dropNext: false });
  });

  it('gives TIMEOUT when the unit is silent, after every send, and resynchronises once it answers', async () => {
    const { unit, control, written } = await setup({}, { sends: 3 });
    await unit.connect();
    control('silent on');
    written.length = 0;
    const error = await rejection(unit.status());
    expect(error.code).toBe('TIMEOUT');
    expect(error.detail).toEqual({ command: 'poll', sends: 3 });
    // Connect ended on SEQ 0, so this poll is SEQ 1, sent three times unchanged.
    expect(Buffer.from(written).toString('hex')).toBe('7f8001071202'.repeat(3));
    control('silent off');
    written.length = 0;
    expect(await unit.status()).toMatchObject({ status: 'online' });
    // SYNC first: after a failure the unit's SEQ is not known.
    expect(Buffer.from(written.slice(0, 6)).toString('hex')).toBe('7f8001116582');
  });

  it('gives BAD_FRAME when every reply is corrupted', async () => {
    const { unit, control } = await setup({}, { sends: 1 });
    await unit.connect();
    control('garble');
    expect((await rejection(unit.status())).code).toBe('BAD_FRAME');
  });

  it('ends a session on silence with TIMEOUT and the note inside in doubt', async () => {
    const { unit, control, simEvent, accepting } = await setup({}, { sends: 2 });
    await unit.connect();
    const { session } = await accepting({ maxFen: 10_000 });
    control('insert 10000');
    await simEvent('stacking');
    control('silent on');
    const result = await session;
    expect(result).toMatchObject({ acceptedFen: 0, ended: 'fault', inDoubt: [{ fen: 10_000 }] });
    expect(result.fault?.code).toBe('TIMEOUT');
  });

  it('lets a note left undecided in escrow go back by itself, and the unit disable itself (GA973)', async () => {
    const { unit, control, simEvent } = await setup({ escrowTimeoutMs: 100 });
    await unit.connect();
    await unit.enable();
    control('insert 1000');
    expect(types(await unit.poll())).toEqual(['reading']);
    expect(await unit.poll()).toEqual([{ type: 'escrow', channel: 3, fen: 1000 }]);
    await simEvent('disabled');
    expect(types(await unit.poll())).toEqual(['rejecting', 'disabled']);
    expect(types(await unit.poll())).toEqual(['rejected', 'disabled']);
    expect(await simEvent('returned')).toMatchObject({ reason: 'escrowTimeout' });
    expect(unit.currentStatus()).toMatchObject({ enabled: false });
  });

  it('in a session, re-enables a unit that gave an undecided note back by itself', async () => {
    // Holds go out every pollMs, slower than this unit's escrow time: the note is gone when asked.
    const { unit, control, simEvent, accepting } = await setup({ escrowTimeoutMs: 40 }, { pollMs: 100 });
    await unit.connect();
    const controller = new AbortController();
    const { session } = await accepting({ maxFen: 1000, signal: controller.signal, decide: () => delay(250).then(() => 'accept' as const) });
    control('insert 1000');
    expect(await simEvent('returned')).toMatchObject({ fen: 1000, reason: 'escrowTimeout' });
    await simEvent('enabled', 2);
    // Enabled again, the unit draws a note in (a disabled one refuses the insert).
    control('insert 500');
    controller.abort();
    expect(await session).toEqual({ acceptedFen: 0, notes: [], ended: 'stopped', inDoubt: [] });
    expect(control('state')).toMatchObject({ enabled: false, note: null, cashbox: { notes: 0 } });
  });

  it('refuses hold and reject with nothing in escrow (F5)', async () => {
    const { unit } = await setup();
    await unit.connect();
    const error = await rejection(unit.hold());
    expect(error.code).toBe('DEVICE_REPORTED');
    expect(error.detail).toEqual({ command: 'hold', responseCode: 'F5', response: 'cannotProcess' });
    expect((await rejection(unit.returnNote())).detail).toMatchObject({ response: 'cannotProcess' });
  });

  it('switches the bezel display', async () => {
    const { unit, control } = await setup();
    await unit.connect();
    await unit.display(false);
    expect(control('state')).toMatchObject({ display: false });
    await unit.display(true);
    expect(control('state')).toMatchObject({ display: true });
  });

  it('needs connect before enabling, and refuses a second session at once', async () => {
    const { unit, accepting } = await setup();
    expect((await rejection(unit.enable())).code).toBe('PROTOCOL');
    await unit.connect();
    const controller = new AbortController();
    const { session } = await accepting({ maxFen: 100, signal: controller.signal });
    expect((await rejection(unit.acceptNotes({ maxFen: 100 }))).code).toBe('BUSY');
    controller.abort();
    expect(await session).toMatchObject({ ended: 'stopped' });
    await expect(unit.acceptNotes({ maxFen: 0 })).rejects.toThrow(RangeError);
  });

  it('gives ABORTED for an aborted command without sending it, and runs concurrent calls in turn', async () => {
    const { unit, written } = await setup();
    await unit.connect();
    written.length = 0;
    expect((await rejection(unit.status(AbortSignal.abort()))).code).toBe('ABORTED');
    expect((await rejection(unit.acceptNotes({ maxFen: 100, signal: AbortSignal.abort() }))).code).toBe('ABORTED');
    expect(written).toEqual([]);
    const [a, , b] = await Promise.all([unit.status(), unit.enable(), unit.status()]);
    expect(a.enabled).toBe(false);
    expect(b.enabled).toBe(true);
  });

  it('gives NOT_OPEN after close', async () => {
    const { unit } = await setup();
    await unit.close();
    expect((await rejection(unit.status())).code).toBe('NOT_OPEN');
  });
});
