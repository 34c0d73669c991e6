import Database from 'better-sqlite3';
import fs from 'node:fs';
import { eventHash, moneyFromRow, moneyKeys, type MoneyTotals, type TxnEffect } from './journal.ts';

export interface VerifyReport {
  ok: boolean;
  journalId: string;
  events: number;
  txns: number;
  open: { count: number; fen: number };
  pending: { count: number; fen: number };
  problems: { seq?: number; txnId?: string; problem: string }[];
}

interface Totals extends MoneyTotals {
  kind: string;
  state: string;
}

/**
 * Checks the hash chain, replays every event's effect to recompute each transaction, compares
 * that with the stored rows, and checks conservation of every closed transaction (DESIGN.md §5):
 * collected = applied + refunded + change + voucher + pending, to the fen.
 */
export function verifyJournal(file: string): VerifyReport {
  if (!fs.existsSync(file)) throw Object.assign(new Error(`no journal at ${file}`), { code: 'ENOENT' });
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const journalId = (db.prepare("SELECT value FROM meta WHERE key = 'journalId'").get() as { value: string } | undefined)?.value ?? '';
    const problems: VerifyReport['problems'] = [];
    const replayed = new Map<string, Totals>();
    const units = new Map<number, number>();
    let prev = journalId;
    let events = 0;
    for (const row of db.prepare('SELECT * FROM events ORDER BY seq').iterate() as Iterable<Record<string, string | number | null>>) {
      events += 1;
      const seq = Number(row.seq);
      const txnId = row.txn_id === null ? undefined : String(row.txn_id);
      if (row.prev_hash !== prev) problems.push({ seq, txnId, problem: 'hash chain broken: prev_hash does not match the previous row' });
      const hash = eventHash(String(row.prev_hash), { seq, ts: Number(row.ts), type: String(row.type), txnId, data: String(row.data), effect: row.effect as string | null });
      if (hash !== row.hash) problems.push({ seq, txnId, problem: 'row altered: its hash does not match its content' });
      prev = String(row.hash);
      const effect = row.effect ? (JSON.parse(String(row.effect)) as TxnEffect) : undefined;
      if (effect?.cashboxCleared) units.clear();
      if (effect?.stacked) units.set(effect.stacked, (units.get(effect.stacked) ?? 0) + 1);
      if ((effect?.money || effect?.open || effect?.close) && txnId) replay(replayed, txnId, effect, seq, problems);
    }
    const storedUnits = db.prepare('SELECT denomination, count FROM cash_units').all() as { denomination: number; count: number }[];
    const sameUnits = storedUnits.length === units.size && storedUnits.every((u) => units.get(u.denomination) === u.count);
    if (!sameUnits) problems.push({ problem: 'cash-box counters differ from the notes the events stacked' });
    const stored = db.prepare('SELECT * FROM txns').all() as Record<string, string | number>[];
    const report: VerifyReport = { ok: true, journalId, events, txns: stored.length, open: { count: 0, fen: 0 }, pending: { count: 0, fen: 0 }, problems };
    for (const row of stored) {
      const txnId = String(row.txn_id);
      const t = replayed.get(txnId);
      const money = moneyFromRow(row);
      if (!t || row.state !== t.state || moneyKeys.some((k) => money[k] !== t[k])) {
        problems.push({ txnId, problem: 'transaction row differs from the replay of its events' });
        continue;
      }
      if (t.state === 'OPEN') {
        report.open.count += 1;
        report.open.fen += t.collected;
        continue;
      }
      if (t.state === 'PENDING') {
        report.pending.count += 1;
        report.pending.fen += t.pending;
      }
      const accounted = t.applied + t.refunded + t.change + t.voucher + t.pending;
      if (accounted !== t.collected) {
        problems.push({ txnId, problem: `does not balance: collected ${t.collected} fen, accounted ${accounted} fen (${t.state})` });
      }
    }
    report.ok = problems.length === 0;
    return report;
  } finally {
    db.close();
  }
}

function replay(totals: Map<string, Totals>, txnId: string, effect: TxnEffect, seq: number, problems: VerifyReport['problems']): void {
  if (effect.open) totals.set(txnId, { kind: effect.open, state: 'OPEN', ...(Object.fromEntries(moneyKeys.map((k) => [k, 0])) as MoneyTotals) });
  const t = totals.get(txnId);
  if (!t) {
    problems.push({ seq, txnId, problem: 'event for a transaction that was never opened' });
    return;
  }
  for (const key of moneyKeys) t[key] += effect.money?.[key] ?? 0;
  if (effect.close) t.state = effect.close;
}
