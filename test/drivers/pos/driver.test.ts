import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { startSimulator, type RunningSimulator } from '../../../drivers/core/simulator-host.ts';
import {
  PaymentModule,
  PaymentModuleSimulator,
  type LedgerRecord,
  type PaymentModuleOptions,
  type PaymentModuleSimulatorOptions,
  type SaleStage,
} from '../../../drivers/pos/index.ts';

// Real bytes through a real pseudo-terminal (socat) between the driver and the simulator.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(simOptions: PaymentModuleSimulatorOptions = {}, options: PaymentModuleOptions = {}) {
  const sim = new PaymentModuleSimulator({ stageDelayMs: 20, autoDelayMs: 20, ...simOptions });
  const running = await startSimulator(sim);
  cleanups.push(() => running.close());
  const pos = await PaymentModule.open(running.port, { ackTimeoutMs: 300, counterId: 'K0000017', ...options });
  cleanups.push(() => pos.close());
  return { sim, running, pos };
}

/** Runs a simulator control line when the sale reaches `stage`, and records the stages seen. */
function person(running: RunningSimulator, stage: SaleStage, line: string) {
  const seen: SaleStage[] = [];
  const onProgress = (s: SaleStage) => {
    seen.push(s);
    if (s === stage) expect(running.control(line)).toMatchObject({ ok: true });
  };
  return { seen, onProgress };
}

function ledger(running: RunningSimulator) {
  return running.control('ledger') as { sales: number; declines: number; voids: number; records: LedgerRecord[] };
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

describe('PaymentModule against the MIS-POS simulator over a pty', () => {
  it('sale approved, with the progress stages the patient is shown', async () => {
    const { running, pos } = await setup();
    const patient = person(running, 'processing', 'approve');
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
    });
    expect(result.panMasked).toMatch(/^\d{6}\*+\d{4}$/);
    expect(result.settleDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result.rrn).toMatch(/^\d{12}$/);
    expect(result.authCode).toMatch(/^\d{6}$/);
    expect(ledger(running)).toMatchObject({ sales: 1, declines: 0, voids: 0 });
    expect(await pos.status()).toMatchObject({ status: 'online', stage: 'idle', tid: '10000001' });
  });

  it('a decline is a result, not an exception, and the bank ledger shows it', async () => {
    const { running, pos } = await setup();
    const patient = person(running, 'processing', 'decline 55');
    const result = await pos.sale({ amountFen: 800, orderId }, { onProgress: patient.onProgress });
    expect(result).toMatchObject({ approved: false, respCode: '55', respInfo: '密码错误', amountFen: 800, orderId });
    const book = ledger(running);
    expect(book).toMatchObject({ sales: 0, declines: 1 });
    expect(book.records[0]).toMatchObject({ transType: 'sale', approved: false, respCode: '55', orderId, trace: '000001' });
  });

  it('cardholder cancel on the PIN pad is approved:false with XC, and never reached the bank', async () => {
    const { running, pos } = await setup();
    const patient = person(running, 'enterPin', 'cancel');
    const result = await pos.sale({ amountFen: 800, orderId }, { onProgress: patient.onProgress });
    expect(patient.seen).toEqual(['insertCard', 'enterPin']);
    expect(result).toMatchObject({ approved: false, respCode: 'XC', trace: '', rrn: '' });
    expect(ledger(running).records[0]).toMatchObject({ respCode: 'XC', trace: '', approved: false });
  });

  it('void of the approved sale marks it voided in the ledger; an unknown trace is declined 25', async () => {
    const { running, pos } = await setup({ auto: 'approve' });
    const sale = await pos.sale({ amountFen: 2000, orderId });
    expect(sale.approved).toBe(true);
    const undone = await pos.void(sale);
    expect(undone).toMatchObject({ approved: true, transType: 'void', respCode: '00', amountFen: 2000, orderId, trace: '000002' });
    const book = ledger(running);
    expect(book).toMatchObject({ sales: 1, voids: 1 });
    expect(book.records[0]).toMatchObject({ transType: 'sale', trace: sale.trace, voided: true });

    const again = await pos.void(sale);
    expect(again).toMatchObject({ approved: false, respCode: '12' });
    const unknown = await pos.void({ trace: '999999', rrn: '000000000000', amountFen: 2000, orderId });
    expect(unknown).toMatchObject({ approved: false, respCode: '25' });
  });

  it('silent module: the sale times out as an unknown outcome, and queryLast tells the truth', async () => {
    const { running, pos } = await setup({}, { saleTimeoutMs: 1000 });
    const patient = person(running, 'processing', 'silent');
    const error = await deviceError(pos.sale({ amountFen: 4321, orderId }, { onProgress: patient.onProgress }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.detail).toMatchObject({ command: 'sale', orderId, outcome: 'unknown' });

    const last = await pos.queryLast();
    expect(last).toMatchObject({ approved: true, transType: 'sale', orderId, amountFen: 4321, trace: '000001' });
    expect(ledger(running).records).toEqual([expect.objectContaining({ approved: true, orderId, answered: false })]);
  });

  it('queryLast before any transaction is null', async () => {
    const { pos } = await setup();
    expect(await pos.queryLast()).toBeNull();
  });

  it('a garbled result frame is NAKed and the resent copy is taken', async () => {
    const { running, pos } = await setup();
    const seen: SaleStage[] = [];
    const result = await pos.sale(
      { amountFen: 1250, orderId },
      {
        onProgress: (stage) => {
          seen.push(stage);
          if (stage === 'processing') {
            running.control('garble');
            running.control('approve');
          }
        },
      },
    );
    expect(result).toMatchObject({ approved: true, orderId });
    expect(running.control('state')).toMatchObject({ naksReceived: 1, stage: 'IDLE' });
    expect(ledger(running).sales).toBe(1);
  });

  it('AbortSignal: ABORTED before sending, and mid-sale as an unknown outcome', async () => {
    const { running, pos } = await setup();
    const early = await deviceError(pos.sale({ amountFen: 100, orderId }, { signal: AbortSignal.abort() }));
    expect(early.code).toBe('ABORTED');
    expect(running.control('state')).toMatchObject({ stage: 'IDLE' });

    const controller = new AbortController();
    const sale = pos.sale(
      { amountFen: 100, orderId },
      { signal: controller.signal, onProgress: (s) => s === 'enterPin' && controller.abort() },
    );
    const error = await deviceError(sale);
    expect(error.code).toBe('ABORTED');
    expect(error.detail).toMatchObject({ outcome: 'unknown' });
    // The module is still waiting for the patient: it says so rather than being asked twice.
    expect(await pos.status()).toMatchObject({ status: 'busy', stage: 'unknown' });
    await expect(pos.queryLast()).rejects.toMatchObject({ code: 'BUSY' });
  });

  it('one command in flight: a second is BUSY and status answers from memory', async () => {
    const { running, pos } = await setup();
    const stages: SaleStage[] = [];
    const sale = pos.sale({ amountFen: 100, orderId }, { onProgress: (s) => stages.push(s) });
    await expect(pos.queryLast()).rejects.toMatchObject({ code: 'BUSY' });
    await expect.poll(() => stages.at(-1)).toBe('processing');
    expect(await pos.status()).toEqual({ status: 'busy', stage: 'processing' });
    running.control('approve');
    expect((await sale).approved).toBe(true);
  });

  it('an unplugged module: status is offline, a sale is an unknown-outcome TIMEOUT', async () => {
    const { running, pos } = await setup({}, { ackTimeoutMs: 80, queryTimeoutMs: 500 });
    running.control('offline on');
    expect(await pos.status()).toEqual({ status: 'offline', stage: 'idle' });
    const error = await deviceError(pos.sale({ amountFen: 100, orderId }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.detail).toMatchObject({ outcome: 'unknown' });
    running.control('offline off');
    expect(await pos.status()).toMatchObject({ status: 'online' });
  });
});
