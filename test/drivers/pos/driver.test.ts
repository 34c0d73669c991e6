import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { startSimulator, type RunningSimulator } from '../../../drivers/core/simulator-host.ts';
import type { SimulatorEvent } from '../../../drivers/core/simulator.ts';
import {
  PaymentModule,
  PaymentModuleSimulator,
  type LedgerRecord,
  type PaymentModuleOptions,
  type PaymentModuleSimulatorOptions,
  type PaymentModuleStatus,
  type SaleStage,
} from '../../../drivers/pos/index.ts';

// Real bytes through a real pseudo-terminal (socat) between the driver and the simulator.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  sim: PaymentModuleSimulator;
  running: RunningSimulator;
  pos: PaymentModule;
  events: SimulatorEvent[];
  /** Every byte that crossed the line, both ways. */
  wire: () => Buffer;
  reopen: () => Promise<PaymentModule>;
}

async function setup(simOptions: PaymentModuleSimulatorOptions = {}, options: PaymentModuleOptions = {}): Promise<Rig> {
  const sim = new PaymentModuleSimulator({ stageDelayMs: 20, autoDelayMs: 20, ...simOptions });
  const bytes: Buffer[] = [];
  const receive = sim.receive.bind(sim);
  sim.receive = (chunk) => {
    bytes.push(chunk);
    receive(chunk);
  };
  const attach = sim.attach.bind(sim);
  sim.attach = (send) =>
    attach((chunk) => {
      bytes.push(chunk);
      send(chunk);
    });
  const running = await startSimulator(sim);
  cleanups.push(() => running.close());
  const events: SimulatorEvent[] = [];
  running.onEvent((e) => events.push(e));
  const open = async () => {
    const pos = await PaymentModule.open(running.port, { ackTimeoutMs: 300, counterId: 'K0000017', ...options });
    cleanups.push(() => pos.close());
    return pos;
  };
  return { sim, running, pos: await open(), events, wire: () => Buffer.concat(bytes), reopen: open };
}

/** A cardholder at the module: at each stage it is shown, the control lines it acts out. */
function cardholder(running: RunningSimulator, acts: Partial<Record<SaleStage, string[]>>) {
  const seen: SaleStage[] = [];
  const onProgress = (stage: SaleStage) => {
    seen.push(stage);
    for (const line of acts[stage] ?? []) expect(running.control(line), line).toMatchObject({ ok: true });
  };
  return { seen, onProgress };
}

/** Inserts the test card, types the PIN, and the bank says `bank`. */
const paying = (bank: string) => ({ insertCard: ['insert'], enterPin: ['pin'], processing: [bank] });

type Ledger = {
  sales: number;
  declines: number;
  voids: number;
  refunds: number;
  reversals: number;
  refundedFen: number;
  heldFen: number;
  records: LedgerRecord[];
};
function ledger(running: RunningSimulator) {
  return running.control('ledger') as unknown as Ledger;
}

async function deviceError(promise: Promise<unknown>): Promise<DeviceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeviceError);
  return error as DeviceError;
}

const orderId = '01JQ3Z8K5V7N4M2P6R8T0W1Y3A';

describe('PaymentModule against the MIS-POS simulator over a pty: sales', () => {
  it('sale approved after the module reads the card and takes the PIN, with the stages the patient is shown', async () => {
    const { running, pos } = await setup();
    const patient = cardholder(running, paying('approve'));
    const result = await pos.sale({ amountFen: 1250, orderId }, { onProgress: patient.onProgress });
    expect(patient.seen).toEqual(['insertCard', 'enterPin', 'processing']);
    expect(result).toMatchObject({
      approved: true,
      transType: 'sale',
      respCode: '00',
      respInfo: '交易成功',
      amountFen: 1250,
      orderId,
      trace: '000001',
      batch: '000001',
      tid: '10000001',
      mid: '898310148160001',
      panMasked: '622848******1234',
    });
    expect(result.settleDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result.rrn).toMatch(/^\d{12}$/);
    expect(result.authCode).toMatch(/^\d{6}$/);
    expect(ledger(running)).toMatchObject({ sales: 1, declines: 0, voids: 0, heldFen: 1250 });
    expect(await pos.status()).toMatchObject({ status: 'online', stage: 'idle', module: 'idle', tid: '10000001', batch: '000001' });
  });

  it('a full card number never crosses the line, nor reaches the ledger or an event: only the masked one', async () => {
    const { running, pos, wire, events } = await setup();
    const pan = '6228480402564890018';
    const patient = cardholder(running, { insertCard: [`insert ${pan}`], enterPin: ['pin'], processing: ['approve'] });
    const result = await pos.sale({ amountFen: 990, orderId }, { onProgress: patient.onProgress });
    expect(result.panMasked).toBe('622848*********0018');
    expect((await pos.queryLast())?.panMasked).toBe('622848*********0018');
    const bytes = wire();
    expect(bytes.length).toBeGreaterThan(500);
    expect(bytes.includes(Buffer.from('622848*********0018'))).toBe(true);
    expect(bytes.includes(Buffer.from(pan))).toBe(false);
    // The digits the mask hides appear nowhere, not even split from the rest.
    expect(bytes.includes(Buffer.from(pan.slice(6, -4)))).toBe(false);
    expect(JSON.stringify(ledger(running))).not.toContain(pan.slice(6, -4));
    expect(JSON.stringify(events)).not.toContain(pan.slice(6, -4));
  });

  it("status polled during a sale shows the module's own states: waitingCard, readingCard, waitingPin, online", async () => {
    // A slow card read, so the poll made while the card is being read finds it there.
    const { running, pos } = await setup({ stageDelayMs: 1000 });
    const polled: PaymentModuleStatus[] = [];
    const poll = async () => polled.push(await pos.status());
    const stages: SaleStage[] = [];
    const sale = pos.sale({ amountFen: 700, orderId }, { onProgress: (s) => stages.push(s) });
    await expect.poll(() => stages).toEqual(['insertCard']);
    await poll();
    expect(running.control('insert')).toMatchObject({ ok: true, state: 'readingCard' });
    await poll();
    await expect.poll(() => stages, { timeout: 4000 }).toEqual(['insertCard', 'enterPin']);
    await poll();
    running.control('pin');
    await expect.poll(() => stages.at(-1)).toBe('processing');
    await poll();
    running.control('approve');
    expect((await sale).approved).toBe(true);
    await poll();
    expect(polled.map((s) => [s.status, s.module, s.stage])).toEqual([
      ['busy', 'waitingCard', 'insertCard'],
      ['busy', 'readingCard', 'insertCard'],
      ['busy', 'waitingPin', 'enterPin'],
      ['busy', 'online', 'processing'],
      ['online', 'idle', 'idle'],
    ]);
    expect(polled[0]).toMatchObject({ orderId, amountFen: 700 });
    expect(polled[0]).not.toHaveProperty('panMasked');
    expect(polled[2]).toMatchObject({ panMasked: '622848******1234' });
  });

  it('auto mode runs card, PIN and the bank by itself', async () => {
    const { running, pos, events } = await setup({ auto: 'approve' });
    const stages: SaleStage[] = [];
    const result = await pos.sale({ amountFen: 300, orderId }, { onProgress: (s) => stages.push(s) });
    expect(result.approved).toBe(true);
    expect(stages).toEqual(['insertCard', 'enterPin', 'processing']);
    expect(events.filter((e) => e.action === 'state').map((e) => e.state)).toEqual(['waitingCard', 'readingCard', 'waitingPin', 'online']);
    expect(ledger(running).sales).toBe(1);
  });

  it('a decline is a result, not an exception, and the bank ledger shows it', async () => {
    const { running, pos } = await setup();
    const patient = cardholder(running, paying('decline 55'));
    const result = await pos.sale({ amountFen: 800, orderId }, { onProgress: patient.onProgress });
    expect(result).toMatchObject({ approved: false, respCode: '55', respInfo: '密码错误', amountFen: 800, orderId });
    const book = ledger(running);
    expect(book).toMatchObject({ sales: 0, declines: 1, heldFen: 0 });
    expect(book.records[0]).toMatchObject({ transType: 'sale', approved: false, respCode: '55', orderId, trace: '000001' });
  });

  it('cardholder cancel on the PIN pad is approved:false with XC, and never reached the bank', async () => {
    const { running, pos } = await setup();
    const patient = cardholder(running, { insertCard: ['insert'], enterPin: ['cancel'] });
    const result = await pos.sale({ amountFen: 800, orderId }, { onProgress: patient.onProgress });
    expect(patient.seen).toEqual(['insertCard', 'enterPin']);
    expect(result).toMatchObject({ approved: false, respCode: 'XC', trace: '', rrn: '' });
    expect(ledger(running).records[0]).toMatchObject({ respCode: 'XC', trace: '', approved: false });
  });

  it('an unreadable card ends the sale with XR before the bank is asked', async () => {
    const { running, pos } = await setup();
    running.control('readfail');
    const patient = cardholder(running, { insertCard: ['insert'] });
    const result = await pos.sale({ amountFen: 800, orderId }, { onProgress: patient.onProgress });
    expect(patient.seen).toEqual(['insertCard']);
    expect(result).toMatchObject({ approved: false, respCode: 'XR', respInfo: '读卡失败', trace: '', panMasked: '' });
    expect(ledger(running)).toMatchObject({ sales: 0, declines: 1 });
  });

  it('a failed PIN pad: status is hardwareError and a sale is refused XF at once', async () => {
    const { running, pos } = await setup();
    running.control('fault pinpad');
    expect(await pos.status()).toEqual({ status: 'hardwareError', stage: 'idle', module: 'idle', respCode: 'XF', respInfo: '密码键盘故障' });
    const stages: SaleStage[] = [];
    const result = await pos.sale({ amountFen: 800, orderId }, { onProgress: (s) => stages.push(s) });
    expect(result).toMatchObject({ approved: false, respCode: 'XF', trace: '' });
    expect(stages).toEqual([]);
    running.control('fault none');
    expect(await pos.status()).toMatchObject({ status: 'online' });
  });

  it('queryLast before any transaction is null', async () => {
    const { pos } = await setup();
    expect(await pos.queryLast()).toBeNull();
  });
});

describe('PaymentModule: void, refund and reversal against the simulator ledger', () => {
  it('void of the approved sale marks it voided; again is 12; an unknown trace is 25; by trace alone voids the whole', async () => {
    const { running, pos } = await setup({ auto: 'approve' });
    const sale = await pos.sale({ amountFen: 2000, orderId });
    expect(sale.approved).toBe(true);
    const undone = await pos.void(sale);
    expect(undone).toMatchObject({ approved: true, transType: 'void', respCode: '00', amountFen: 2000, orderId, trace: '000002' });
    const book = ledger(running);
    expect(book).toMatchObject({ sales: 1, voids: 1, heldFen: 0 });
    expect(book.records[0]).toMatchObject({ transType: 'sale', trace: sale.trace, voided: true });

    expect(await pos.void(sale)).toMatchObject({ approved: false, respCode: '12' });
    expect(await pos.void({ trace: '999999', rrn: '000000000000', amountFen: 2000, orderId })).toMatchObject({ approved: false, respCode: '25' });

    const second = await pos.sale({ amountFen: 450, orderId: '01JQ3Z8K5V7N4M2P6R8T0W1Y3B' });
    const byTrace = await pos.void({ trace: second.trace });
    expect(byTrace).toMatchObject({ approved: true, amountFen: 450 });
    expect(ledger(running).records.at(-1)).toMatchObject({ transType: 'void', orderId: '01JQ3Z8K5V7N4M2P6R8T0W1Y3B', originalTrace: second.trace });
  });

  it('after the batch is settled a sale cannot be voided, but is refunded in parts up to its amount', async () => {
    const { running, pos } = await setup({ auto: 'approve' });
    const sale = await pos.sale({ amountFen: 5000, orderId });
    const sameDay = await pos.refund({ rrn: sale.rrn, settleDate: sale.settleDate, amountFen: 1000, orderId: 'R1' });
    expect(sameDay).toMatchObject({ approved: false, respCode: '12' });

    expect(running.control('settle')).toMatchObject({ ok: true, closedBatch: '000001', batch: '000002', sales: 1, amountFen: 5000 });
    expect(await pos.void(sale)).toMatchObject({ approved: false, respCode: '12' });

    const part = await pos.refund({ rrn: sale.rrn, settleDate: sale.settleDate, amountFen: 1500, orderId: 'R2' });
    expect(part).toMatchObject({ approved: true, transType: 'refund', amountFen: 1500, orderId: 'R2', batch: '000002', panMasked: sale.panMasked });
    expect(await pos.refund({ rrn: sale.rrn, amountFen: 3501, orderId: 'R3' })).toMatchObject({ approved: false, respCode: '13' });
    expect(await pos.refund({ rrn: sale.rrn, amountFen: 3500, orderId: 'R4' })).toMatchObject({ approved: true });
    expect(await pos.refund({ rrn: sale.rrn, amountFen: 1, orderId: 'R5' })).toMatchObject({ approved: false, respCode: '13' });
    expect(await pos.refund({ rrn: '000000000000', amountFen: 1, orderId: 'R6' })).toMatchObject({ approved: false, respCode: '25' });
    expect(await pos.refund({ rrn: sale.rrn, settleDate: '2001-01-01', amountFen: 1, orderId: 'R7' })).toMatchObject({ approved: false, respCode: '25' });

    const book = ledger(running);
    expect(book).toMatchObject({ sales: 1, refunds: 2, refundedFen: 5000, heldFen: 0 });
    expect(book.records[0]).toMatchObject({ transType: 'sale', refundedFen: 5000, voided: false });
    expect(await pos.queryLast()).toMatchObject({ transType: 'refund', orderId: 'R7', approved: false });
  });

  it('a sale whose answer was lost: queryLast tells the truth, and a reversal by order id undoes it, repeatably', async () => {
    const { running, pos } = await setup({}, { saleTimeoutMs: 1000 });
    const patient = cardholder(running, { insertCard: ['insert'], enterPin: ['pin'], processing: ['silent'] });
    const error = await deviceError(pos.sale({ amountFen: 4321, orderId }, { onProgress: patient.onProgress }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.detail).toMatchObject({ command: 'sale', orderId, outcome: 'unknown' });

    const last = await pos.queryLast();
    expect(last).toMatchObject({ approved: true, transType: 'sale', orderId, amountFen: 4321, trace: '000001' });
    expect(ledger(running).records).toEqual([expect.objectContaining({ approved: true, orderId, answered: false })]);

    // The host knows only its order id; the module finds the trace and reverses by it.
    const reversed = await pos.reversal({ orderId, amountFen: 4321 });
    expect(reversed).toMatchObject({ approved: true, transType: 'reversal', orderId, amountFen: 4321, trace: '000001', rrn: last!.rrn });
    const again = await pos.reversal({ orderId, amountFen: 4321, trace: '000001' });
    expect(again).toEqual(reversed);
    const book = ledger(running);
    expect(book).toMatchObject({ sales: 1, reversals: 1, heldFen: 0 });
    expect(book.records).toEqual([
      expect.objectContaining({ transType: 'sale', reversed: true }),
      expect.objectContaining({ transType: 'reversal', reason: 'requested', originalTrace: '000001' }),
    ]);
  });

  it('a reversal with no approved sale behind it is 25: no money was taken', async () => {
    const { running, pos } = await setup();
    expect(await pos.reversal({ orderId, amountFen: 100 })).toMatchObject({ approved: false, respCode: '25' });
    const patient = cardholder(running, paying('decline 51'));
    await pos.sale({ amountFen: 100, orderId }, { onProgress: patient.onProgress });
    expect(await pos.reversal({ orderId, amountFen: 100 })).toMatchObject({ approved: false, respCode: '25' });
    expect(ledger(running).reversals).toBe(0);
  });

  it('the bank never answers: the module reverses the sale by trace itself and answers 98', async () => {
    const { running, pos } = await setup({ auto: 'approve' });
    running.control('bank-timeout');
    const result = await pos.sale({ amountFen: 2500, orderId });
    expect(result).toMatchObject({ approved: false, respCode: '98', trace: '000001' });
    expect(ledger(running)).toMatchObject({ sales: 0, reversals: 1, heldFen: 0 });
    expect(await pos.queryLast()).toMatchObject({ transType: 'reversal', orderId, trace: '000001', approved: true });
    // Asking again changes nothing: it was reversed already.
    expect(await pos.reversal({ orderId, amountFen: 2500 })).toMatchObject({ approved: true, trace: '000001' });
    expect(ledger(running).reversals).toBe(1);
  });

  it('a result the host never takes (it went away mid-sale) is reversed by the module on its own', async () => {
    const { running, pos, events, reopen } = await setup();
    const stages: SaleStage[] = [];
    const sale = deviceError(pos.sale({ amountFen: 1800, orderId }, { onProgress: (s) => stages.push(s) }));
    await expect.poll(() => stages).toEqual(['insertCard']);
    running.control('insert');
    await expect.poll(() => stages.at(-1)).toBe('enterPin');
    running.control('pin');
    await expect.poll(() => stages.at(-1)).toBe('processing');
    await pos.close();
    expect((await sale).detail).toMatchObject({ outcome: 'unknown' });

    running.control('approve');
    // Three unACKed sends of the result, then the reversal.
    await expect.poll(() => events.some((e) => e.action === 'reversal'), { timeout: 4000 }).toBe(true);
    expect(ledger(running)).toMatchObject({ sales: 1, reversals: 1, heldFen: 0 });
    expect(ledger(running).records.at(-1)).toMatchObject({ transType: 'reversal', reason: 'resultUndelivered', orderId, answered: false });

    const back = await reopen();
    expect(await back.queryLast()).toMatchObject({ transType: 'reversal', orderId, approved: true, amountFen: 1800 });
  });
});

describe('PaymentModule: link faults', () => {
  it('a garbled result frame is NAKed and the resent copy is taken', async () => {
    const { running, pos } = await setup();
    const patient = cardholder(running, { insertCard: ['insert'], enterPin: ['pin'], processing: ['garble', 'approve'] });
    const result = await pos.sale({ amountFen: 1250, orderId }, { onProgress: patient.onProgress });
    expect(result).toMatchObject({ approved: true, orderId });
    expect(running.control('state')).toMatchObject({ naksReceived: 1, stage: 'IDLE', state: 'idle' });
    expect(ledger(running).sales).toBe(1);
  });

  it('AbortSignal: ABORTED before sending, and mid-sale as an unknown outcome; the module then says what it waits for', async () => {
    const { running, pos } = await setup();
    const early = await deviceError(pos.sale({ amountFen: 100, orderId }, { signal: AbortSignal.abort() }));
    expect(early.code).toBe('ABORTED');
    expect(running.control('state')).toMatchObject({ stage: 'IDLE' });

    const controller = new AbortController();
    const patient = cardholder(running, { insertCard: ['insert'] });
    const sale = pos.sale(
      { amountFen: 100, orderId },
      {
        signal: controller.signal,
        onProgress: (s) => {
          patient.onProgress(s);
          if (s === 'enterPin') controller.abort();
        },
      },
    );
    const error = await deviceError(sale);
    expect(error.code).toBe('ABORTED');
    expect(error.detail).toMatchObject({ outcome: 'unknown' });
    // The module is still waiting for the PIN: it says so rather than being asked twice.
    expect(await pos.status()).toMatchObject({ status: 'busy', stage: 'enterPin', module: 'waitingPin', orderId });
    await expect(pos.queryLast()).rejects.toMatchObject({ code: 'BUSY' });
  });

  it('one command in flight: a second is BUSY', async () => {
    const { running, pos } = await setup();
    const stages: SaleStage[] = [];
    const sale = pos.sale({ amountFen: 100, orderId }, { onProgress: (s) => stages.push(s) });
    await expect(pos.queryLast()).rejects.toMatchObject({ code: 'BUSY' });
    await expect(pos.refund({ rrn: '1', amountFen: 1, orderId: 'R' })).rejects.toMatchObject({ code: 'BUSY', detail: { outcome: 'notStarted' } });
    await expect.poll(() => stages).toEqual(['insertCard']);
    running.control('approve');
    expect((await sale).approved).toBe(true);
  });

  it('an unplugged module: status is offline, a sale is an unknown-outcome TIMEOUT', async () => {
    const { running, pos } = await setup({}, { ackTimeoutMs: 80, queryTimeoutMs: 500 });
    running.control('offline on');
    expect(await pos.status()).toEqual({ status: 'offline', stage: 'idle', module: 'unknown' });
    const error = await deviceError(pos.sale({ amountFen: 100, orderId }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.detail).toMatchObject({ outcome: 'unknown' });
    running.control('offline off');
    expect(await pos.status()).toMatchObject({ status: 'online' });
  });
});
