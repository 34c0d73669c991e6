import { describe, expect, it, onTestFinished } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../drivers/core/simulator-host.ts';
import type { SimulatorEvent } from '../../drivers/core/simulator.ts';
import { PaymentModuleSimulator, type PaymentModuleSimulatorOptions } from '../../drivers/pos/simulator.ts';
import { runZizhu } from '../helpers/processes.ts';

// `zizhu device pos ...` as a child process against the MIS-POS simulator in this process, over a
// pty; the test plays the cardholder and the bank through the simulator's controls while the child waits.

interface Module {
  sim: RunningSimulator;
  events: SimulatorEvent[];
  /** Runs control lines each time the module enters `state`. */
  when(state: string, ...lines: string[]): void;
}

async function paymentModule(options: PaymentModuleSimulatorOptions = {}): Promise<Module> {
  const sim = await startSimulator(new PaymentModuleSimulator({ stageDelayMs: 20, autoDelayMs: 20, ...options }));
  onTestFinished(() => sim.close());
  const events: SimulatorEvent[] = [];
  const acts: Record<string, string[]> = {};
  sim.onEvent((e) => {
    events.push(e);
    // After the frame that announced the state is on its way: a control here acts as a person would, a moment later.
    if (e.action === 'state') for (const line of acts[String(e.state)] ?? []) setImmediate(() => expect(sim.control(line), line).toMatchObject({ ok: true }));
  });
  return { sim, events, when: (state, ...lines) => void (acts[state] = lines) };
}

async function pos(action: string, port: string, ...more: string[]) {
  const r = await runZizhu(['device', 'pos', action, '--port', port, ...more]);
  return { ...r, json: r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined };
}

function ledger(sim: RunningSimulator) {
  return sim.control('ledger') as { sales: number; reversals: number; refundedFen: number; heldFen: number; records: Record<string, unknown>[] };
}

describe('zizhu device pos sale', () => {
  it('approved: the cardholder inserts a card and types the PIN while the child waits; only the masked PAN is printed', async () => {
    const m = await paymentModule();
    const pan = '6228480402564890018';
    m.when('waitingCard', `insert ${pan}`);
    m.when('waitingPin', 'pin');
    m.when('online', 'approve');
    const r = await pos('sale', m.sim.port, '--amount', '1250', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.json).toMatchObject({
      result: 'approved',
      transType: 'sale',
      amountFen: 1250,
      panMasked: '622848*********0018',
      trace: '000001',
      batch: '000001',
      respCode: '00',
    });
    expect(r.json!.rrn).toMatch(/^\d{12}$/);
    expect(r.json!.authCode).toMatch(/^\d{6}$/);
    expect(r.json!.orderId).toMatch(/^[0-9A-Z]{26}$/);
    expect(r.stdout).not.toContain(pan.slice(6, -4));
    expect(m.events.filter((e) => e.action === 'state').map((e) => e.state)).toEqual(['waitingCard', 'readingCard', 'waitingPin', 'online']);
    expect(ledger(m.sim)).toMatchObject({ sales: 1, heldFen: 1250 });
  });

  it('in auto mode, as a table', async () => {
    const m = await paymentModule({ auto: 'approve' });
    const r = await pos('sale', m.sim.port, '--amount', '300');
    expect(r.code).toBe(0);
    const rows = Object.fromEntries(r.stdout.trim().split('\n').map((line) => line.split(/\s{2,}/) as [string, string]));
    expect(rows).toMatchObject({ result: 'approved', transType: 'sale', amountFen: '300', panMasked: '622848******1234', trace: '000001', respInfo: '交易成功' });
  });

  it('declined by the bank: exit 3 and the reason in one line', async () => {
    const m = await paymentModule({ auto: 'decline' });
    const r = await pos('sale', m.sim.port, '--amount', '800', '--json');
    expect(r.code).toBe(3);
    expect(r.json).toMatchObject({ result: 'declined', respCode: '51', amountFen: 800 });
    expect(r.stderr).toBe('zizhu device pos sale: DECLINED: 51 余额不足\n');
  });

  it('cancelled on the PIN pad: exit 3, never reached the bank', async () => {
    const m = await paymentModule();
    m.when('waitingCard', 'insert');
    m.when('waitingPin', 'cancel');
    const r = await pos('sale', m.sim.port, '--amount', '800', '--json');
    expect(r.code).toBe(3);
    expect(r.json).toMatchObject({ result: 'cancelled', respCode: 'XC', trace: '' });
    expect(r.stderr).toMatch(/^zizhu device pos sale: CANCELLED: 持卡人取消 \(XC\)\n$/);
  });

  it('a failed card reader: exit 4, result failed', async () => {
    const m = await paymentModule({ auto: 'approve' });
    m.sim.control('fault reader');
    const r = await pos('sale', m.sim.port, '--amount', '800', '--json');
    expect(r.code).toBe(4);
    expect(r.json).toMatchObject({ result: 'failed', respCode: 'XF', respInfo: '读卡器故障' });
    expect(r.stderr).toBe('zizhu device pos sale: DEVICE_REPORTED: XF 读卡器故障\n');
  });

  it('no answer within --timeout: exit 4, outcome unknown; the module later reverses the result it cannot deliver, and last shows it', async () => {
    const m = await paymentModule();
    // Card and PIN go in, then the bank takes longer than the technician waits.
    m.when('waitingCard', 'insert');
    m.when('waitingPin', 'pin');
    const r = await pos('sale', m.sim.port, '--amount', '600', '--timeout', '2', '--json');
    expect(r.code).toBe(4);
    expect(r.json).toMatchObject({ result: 'unknown', amountFen: 600 });
    expect(r.stderr).toMatch(/^zizhu device pos sale: (TIMEOUT|ABORTED): .*outcome unknown/);
    const orderId = r.json!.orderId;

    // The bank approves after all, but nobody takes the result.
    expect(m.sim.control('state')).toMatchObject({ state: 'online', orderId });
    m.sim.control('approve');
    await expect.poll(() => m.events.some((e) => e.action === 'reversal'), { timeout: 4000 }).toBe(true);
    expect(ledger(m.sim)).toMatchObject({ sales: 1, reversals: 1, heldFen: 0 });

    const last = await pos('last', m.sim.port, '--json');
    expect(last.code).toBe(0);
    expect(last.json).toMatchObject({ result: 'approved', transType: 'reversal', orderId, amountFen: 600, trace: '000001' });
  });

  it('--amount must be a positive number of fen: usage error, exit 2', async () => {
    const m = await paymentModule();
    const runs = await Promise.all([[], ['--amount', '12.50'], ['--amount', '0']].map((bad) => pos('sale', m.sim.port, ...bad)));
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--amount FEN');
    }
    expect(m.events).toEqual([]);
  });
});

describe('zizhu device pos void, refund, last, status', () => {
  it('void --trace undoes the sale whole; voiding it again is refused, exit 3', async () => {
    const m = await paymentModule({ auto: 'approve' });
    const sale = await pos('sale', m.sim.port, '--amount', '2000', '--json');
    expect(sale.json).toMatchObject({ result: 'approved', trace: '000001' });
    const undone = await pos('void', m.sim.port, '--trace', '1', '--json');
    expect(undone.code).toBe(0);
    expect(undone.json).toMatchObject({ result: 'approved', transType: 'void', amountFen: 2000, trace: '000002', orderId: '' });
    expect(ledger(m.sim).records[0]).toMatchObject({ voided: true });
    const again = await pos('void', m.sim.port, '--trace', '000001', '--json');
    expect(again.code).toBe(3);
    expect(again.json).toMatchObject({ result: 'declined', respCode: '12' });
  });

  it('refund --rrn --amount after the batch is settled, partly; more than is left is refused, exit 3', async () => {
    const m = await paymentModule({ auto: 'approve' });
    const sale = await pos('sale', m.sim.port, '--amount', '5000', '--json');
    const { rrn, settleDate } = sale.json as { rrn: string; settleDate: string };
    m.sim.control('settle');
    const part = await pos('refund', m.sim.port, '--rrn', rrn, '--amount', '1200', '--date', settleDate, '--json');
    expect(part.code).toBe(0);
    expect(part.json).toMatchObject({ result: 'approved', transType: 'refund', amountFen: 1200, batch: '000002', panMasked: '622848******1234' });
    const tooMuch = await pos('refund', m.sim.port, '--rrn', rrn, '--amount', '3801', '--json');
    expect(tooMuch.code).toBe(3);
    expect(tooMuch.json).toMatchObject({ result: 'declined', respCode: '13' });
    expect(ledger(m.sim)).toMatchObject({ refundedFen: 1200, heldFen: 3800 });
  });

  it('last: none before any transaction', async () => {
    const m = await paymentModule();
    const r = await pos('last', m.sim.port, '--json');
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ result: 'none' });
  });

  it('status: idle and online, exit 0; a failed PIN pad is hardwareError, exit 4', async () => {
    const m = await paymentModule();
    const ok = await pos('status', m.sim.port, '--json');
    expect(ok.code).toBe(0);
    expect(ok.json).toEqual({ status: 'online', stage: 'idle', module: 'idle', tid: '10000001', mid: '898310148160001', batch: '000001' });
    m.sim.control('fault pinpad');
    const bad = await pos('status', m.sim.port, '--json');
    expect(bad.code).toBe(4);
    expect(bad.json).toMatchObject({ status: 'hardwareError', respCode: 'XF', respInfo: '密码键盘故障' });
    expect(bad.stderr).toBe('zizhu device pos status: hardwareError: XF 密码键盘故障\n');
  });

  it('status while a sale waits for its PIN (left behind by a sale that timed out): busy, and where', async () => {
    const m = await paymentModule();
    m.when('waitingCard', 'insert');
    const sale = await pos('sale', m.sim.port, '--amount', '900', '--timeout', '2', '--json');
    expect(sale.json).toMatchObject({ result: 'unknown' });
    const r = await pos('status', m.sim.port, '--json');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ status: 'busy', stage: 'enterPin', module: 'waitingPin', amountFen: 900, panMasked: '622848******1234', orderId: sale.json!.orderId });
  });
});
