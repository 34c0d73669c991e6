import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../runtime/journal/journal.ts';
import { runZizhu } from '../helpers/processes.ts';

describe('kiosk journal (real SQLite files) and `zizhu journal verify`', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  function journalFile(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-journal-'));
    dirs.push(dir);
    return path.join(dir, 'journal.sqlite');
  }

  function paidTxn(j: Journal, txnId: string, fen: number) {
    j.record({ type: 'txn.opened', txnId, open: 'bill.pay', data: { totalFen: fen } });
    j.record({ type: 'card.sale.result', txnId, money: { collected: fen }, data: { approved: true } });
    j.record({ type: 'his.settle.result', txnId, money: { applied: fen }, data: { settled: true } });
    j.record({ type: 'txn.closed', txnId, close: 'SETTLED', data: {} });
  }

  it('is WAL with synchronous FULL, keeps its journalId, and passes verify when intact', async () => {
    const file = journalFile();
    const j = Journal.open(file);
    paidTxn(j, '01JA0000000000000000000001', 12_850);
    j.record({ type: 'txn.opened', txnId: '01JA0000000000000000000002', open: 'bill.pay', data: {} });
    const id = j.journalId;
    j.close();
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    expect(Journal.open(file).journalId).toBe(id);

    const r = await runZizhu(['journal', 'verify', '--db', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('intact');
    expect(r.stdout).toContain('1 open');
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('fails naming the transaction that does not balance to the fen', async () => {
    const file = journalFile();
    const j = Journal.open(file);
    const txnId = '01JA0000000000000000000003';
    j.record({ type: 'txn.opened', txnId, open: 'bill.pay', data: {} });
    j.record({ type: 'card.sale.result', txnId, money: { collected: 5000 }, data: {} });
    j.record({ type: 'txn.closed', txnId, close: 'SETTLED', money: { applied: 4999 }, data: {} });
    j.close();
    const r = await runZizhu(['journal', 'verify', '--db', file, '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { problems: { txnId: string; problem: string }[] };
    expect(report.problems[0]).toMatchObject({ txnId });
    expect(report.problems[0]!.problem).toContain('5000');
  });

  it('detects an altered row through the hash chain', async () => {
    const file = journalFile();
    const j = Journal.open(file);
    paidTxn(j, '01JA0000000000000000000004', 800);
    j.close();
    const db = new Database(file);
    db.prepare("UPDATE events SET data = '{\"totalFen\":1}' WHERE seq = 1").run();
    db.close();
    const r = await runZizhu(['journal', 'verify', '--db', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('altered');
  });

  it('counts the cash box per denomination from the notes stacked, and verify catches a counter that disagrees', async () => {
    const file = journalFile();
    const j = Journal.open(file);
    const txnId = '01JA0000000000000000000009';
    j.record({ type: 'txn.opened', txnId, open: 'bill.pay', data: {} });
    for (const fen of [10_000, 5000, 10_000]) j.record({ type: 'cash.note.stacked', txnId, stacked: fen, money: { collected: fen }, data: { fen } });
    expect(j.cashUnits()).toEqual([
      { denomination: 5000, count: 1 },
      { denomination: 10_000, count: 2 },
    ]);
    j.record({ type: 'cashbox.cleared', cashboxCleared: true, data: { countedFen: 25_000 } });
    expect(j.cashUnits()).toEqual([]);
    j.record({ type: 'cash.note.stacked', txnId, stacked: 2000, money: { collected: 2000 }, data: { fen: 2000 } });
    j.close();
    expect((await runZizhu(['journal', 'verify', '--db', file, '--json'])).code).toBe(0);

    const db = new Database(file);
    db.prepare('UPDATE cash_units SET count = 5 WHERE denomination = 2000').run();
    db.close();
    const run = await runZizhu(['journal', 'verify', '--db', file, '--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('cash-box counters differ');
  });

  it('exits 2 when the file is missing', async () => {
    const r = await runZizhu(['journal', 'verify', '--db', '/nonexistent/journal.sqlite']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--db');
  });

  it('refuses money on a closed transaction and amounts that are not integer fen', () => {
    const j = Journal.open(journalFile());
    paidTxn(j, '01JA0000000000000000000005', 100);
    expect(() => j.record({ type: 'late', txnId: '01JA0000000000000000000005', money: { collected: 1 } })).toThrow(/already SETTLED/);
    j.record({ type: 'txn.opened', txnId: '01JA0000000000000000000006', open: 'bill.pay' });
    expect(() => j.record({ type: 'x', txnId: '01JA0000000000000000000006', money: { collected: 1.5 } })).toThrow(/integer fen/);
    j.close();
  });

  it('keeps the outbox: unacknowledged events in order, acks only move forward', () => {
    const j = Journal.open(journalFile());
    paidTxn(j, '01JA0000000000000000000007', 100);
    expect(j.unacked().map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    j.acknowledge(3);
    j.acknowledge(2);
    expect(j.unacked().map((e) => e.seq)).toEqual([4]);
    j.close();
  });
});
