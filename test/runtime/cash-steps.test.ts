import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BillAcceptor } from '../../drivers/cash/driver.ts';
import { BillAcceptorSimulator } from '../../drivers/cash/simulator.ts';
import { openSerial } from '../../drivers/core/serial-transport.ts';
import { startSimulator } from '../../drivers/core/simulator-host.ts';
import type { SimulatorEvent } from '../../drivers/core/simulator.ts';
import { CashSteps, type OverpayPolicy } from '../../runtime/cash-steps.ts';
import { Journal } from '../../runtime/journal/journal.ts';
import { verifyJournal } from '../../runtime/journal/verify.ts';

/** Taking notes for a payment: real journal file, real driver, the acceptor simulator on a real pty. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const txnId = '01JCASH0000000000000000001';

async function setup(overpay: OverpayPolicy) {
  const sim = await startSimulator(new BillAcceptorSimulator());
  cleanups.push(() => sim.close());
  const acceptor = new BillAcceptor(await openSerial(sim.port, { baudRate: 9600, stopBits: 2 }), { pollMs: 20, replyTimeoutMs: 200, drainMs: 2000 });
  cleanups.push(() => acceptor.close());
  await acceptor.connect();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-cash-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'journal.sqlite');
  const journal = Journal.open(file);
  cleanups.push(() => journal.close());
  journal.record({ type: 'txn.opened', txnId, open: 'bill.pay', data: {} });
  const steps = new CashSteps({ journal, acceptor, afterRecord: () => undefined, overpay, log: () => undefined });

  const seen: SimulatorEvent[] = [];
  const waiters: (() => void)[] = [];
  sim.onEvent((e) => {
    seen.push(e);
    for (const w of waiters.splice(0)) w();
  });
  /** Waits for the n-th simulator event of this action, so the patient feeds notes when the unit takes them. */
  const action = async (name: string, n = 1) => {
    while (seen.filter((e) => e.action === name).length < n) await new Promise<void>((r) => waiters.push(r));
  };
  return { sim, journal, file, steps, action };
}

const types = (journal: Journal) => journal.eventsOf(txnId).map((e) => e.type);

describe('cash collection', () => {
  it('refuses a note that would pay too much when the kiosk gives no change, and counts only credited notes', async () => {
    const { steps, journal, sim, action } = await setup('refuse');
    const collecting = steps.collect(txnId, 15_000, { signal: new AbortController().signal });
    await action('enabled');
    sim.control('insert 10000');
    await action('stacked', 1);
    sim.control('insert 10000'); // 200 yuan would pass 150: back to the patient
    await action('returned', 1);
    sim.control('insert 5000');
    const result = await collecting;

    expect(result).toMatchObject({ insertedFen: 15_000, notes: [10_000, 5000], changeFen: 0, ended: 'paid' });
    expect(journal.txn(txnId)).toMatchObject({ collected: 15_000 });
    expect(journal.cashUnits()).toEqual([
      { denomination: 5000, count: 1 },
      { denomination: 10_000, count: 1 },
    ]);
    const t = types(journal);
    expect(t.filter((x) => x === 'cash.note.stacked')).toHaveLength(2);
    // Each stacked note's intent was journaled while it waited in escrow, before it was stacked.
    expect(t.indexOf('cash.note.escrow')).toBeLessThan(t.indexOf('cash.note.stacked'));
    expect(t.at(-1)).toBe('cash.collect.result');
  });

  it('takes the last note against a change voucher when the kiosk is set to', async () => {
    const { steps, journal, sim, action } = await setup('voucher');
    const collecting = steps.collect(txnId, 15_000, { signal: new AbortController().signal });
    await action('enabled');
    sim.control('insert 10000');
    await action('stacked', 1);
    sim.control('insert 10000');
    const result = await collecting;
    expect(result).toMatchObject({ insertedFen: 20_000, changeFen: 5000, ended: 'paid' });
    expect(journal.txn(txnId)).toMatchObject({ collected: 20_000 });
  });

  it('keeps what was credited when the patient walks away, and the journal still verifies once the transaction closes', async () => {
    const { steps, journal, file, sim, action } = await setup('refuse');
    const walkAway = new AbortController();
    const progress: number[] = [];
    const collecting = steps.collect(txnId, 15_000, { signal: walkAway.signal, onProgress: (fen) => progress.push(fen) });
    await action('enabled');
    sim.control('insert 5000');
    await action('stacked', 1);
    walkAway.abort();
    const result = await collecting;
    expect(result).toMatchObject({ insertedFen: 5000, ended: 'stopped', changeFen: 0 });
    expect(progress).toContain(5000);
    // The flow owes it back on a voucher; conservation then holds to the fen.
    journal.record({ type: 'cash.voucher.printed', txnId, money: { voucher: 5000 }, data: {} });
    journal.record({ type: 'txn.closed', txnId, close: 'COMPENSATED', data: {} });
    expect(verifyJournal(file)).toMatchObject({ ok: true });
  });

  it('stops at a jam with what was credited, and reports the note it could not account for', async () => {
    const { steps, journal, sim, action } = await setup('refuse');
    const collecting = steps.collect(txnId, 15_000, { signal: new AbortController().signal });
    await action('enabled');
    sim.control('insert 10000');
    await action('stacked', 1);
    sim.control('jam unsafe');
    const result = await collecting;
    expect(result.ended).toBe('fault');
    expect(result.insertedFen).toBe(10_000);
    expect(journal.txn(txnId)).toMatchObject({ collected: 10_000 });
  });
});
