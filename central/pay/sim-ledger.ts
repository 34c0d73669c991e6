import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { scaled } from '../../contract/time-scale.ts';
import { FaultTable } from './sim-server.ts';

/**
 * The book a simulated QR channel keeps, in its own SQLite file: orders, the payer's side of each
 * payment code, reversals and refunds. WeChat and Alipay simulators share it and differ only in
 * how they speak; a test reads it to assert from the channel's side where every fen went.
 *
 * Time is injected (`now`) and evaluated lazily: a patient who "enters the password" after a
 * delay is an order whose `confirm_at` has passed when it is next looked at, so no timer runs.
 */

/** What the owner of a payment code does when the kiosk scans it. */
export type CodeBehaviour =
  | { kind: 'pay' } // paid at once (small amounts, no password)
  | { kind: 'password'; confirmAfterMs: number | null } // user-paying; paid after the delay, or never (null)
  | { kind: 'expired' }
  | { kind: 'invalid' }
  | { kind: 'insufficient' };

export type SimTradeState = 'USERPAYING' | 'SUCCESS' | 'REVOKED';

export interface SimTrade {
  outTradeNo: string;
  channelTradeNo: string;
  /** null for an order reversed before it ever reached the channel (a tombstone that bars a late pay). */
  authCode: string | null;
  amountFen: number;
  description: string;
  state: SimTradeState;
  createdAt: number;
  paidAt: number | null;
  closedAt: number | null;
  /** What a reversal gave back: the whole amount if it had been paid. */
  reversedFen: number;
  refundedFen: number;
}

export interface SimRefund {
  outRefundNo: string;
  outTradeNo: string;
  channelRefundNo: string;
  amountFen: number;
  createdAt: number;
}

export interface SimTotals {
  /** Every fen payers were charged. */
  collectedFen: number;
  reversedFen: number;
  refundedFen: number;
  /** What the merchant holds: collected − reversed − refunded. */
  netFen: number;
}

export interface SimCall {
  seq: number;
  api: string;
  outTradeNo: string | null;
  answer: string;
  at: number;
}

export type PayOutcome =
  | { outcome: 'paid'; trade: SimTrade }
  | { outcome: 'userPaying'; trade: SimTrade }
  | { outcome: 'refused'; reason: 'expired' | 'invalid' | 'insufficient' | 'codeUsed' }
  /** This number was paid with another code. */
  | { outcome: 'alreadyPaid'; trade: SimTrade }
  | { outcome: 'closed'; trade: SimTrade }
  | { outcome: 'conflict' };

export type ReverseOutcome =
  | { outcome: 'reversed'; action: 'closed' | 'refunded'; trade: SimTrade }
  | { outcome: 'refused'; reason: 'tooEarly' | 'tooOld' | 'refunded' };

export type RefundOutcome =
  | { outcome: 'refunded'; refund: SimRefund; trade: SimTrade; replay: boolean }
  | { outcome: 'refused'; reason: 'notFound' | 'notPaid' | 'exceeds' | 'totalMismatch' | 'numberUsed' };

export interface SimLedgerOptions {
  now?: () => number;
  /** WeChat: "do not reverse within 15 s of the charge" (reverse API notes). */
  reverseHoldMs?: number;
  /** WeChat reverses orders up to 7 days old; Alipay cancels a paid trade the same day. */
  reverseWindowMs?: number;
  /** How long the owner of a default password code takes to confirm. */
  passwordMs?: number;
  /** Channel numbering: WeChat transaction_id, Alipay trade_no. */
  tradeNo: (seq: number, now: number) => string;
  refundNo: (seq: number, now: number) => string;
}

export const payApis = ['pay', 'query', 'reverse', 'refund', 'refundQuery'] as const;
export type PayApi = (typeof payApis)[number];

/**
 * Default behaviours by the two digits after the channel's prefix, so a tester picks the patient
 * by the code alone: WeChat 13**00**…, Alipay 28**00**…. Every other code pays at once.
 */
export function defaultBehaviours(channelPrefix: string, passwordMs: number): Record<string, CodeBehaviour> {
  return {
    [`${channelPrefix}00`]: { kind: 'password', confirmAfterMs: passwordMs },
    [`${channelPrefix}01`]: { kind: 'password', confirmAfterMs: null },
    [`${channelPrefix}02`]: { kind: 'expired' },
    [`${channelPrefix}03`]: { kind: 'insufficient' },
    [`${channelPrefix}04`]: { kind: 'invalid' },
  };
}

const schema = `
  CREATE TABLE IF NOT EXISTS trades (out_trade_no TEXT PRIMARY KEY, channel_trade_no TEXT NOT NULL UNIQUE,
    auth_code TEXT, amount_fen INTEGER NOT NULL, description TEXT NOT NULL, state TEXT NOT NULL,
    created_at INTEGER NOT NULL, confirm_at INTEGER, paid_at INTEGER, closed_at INTEGER, reversed_fen INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE IF NOT EXISTS refunds (out_refund_no TEXT PRIMARY KEY, out_trade_no TEXT NOT NULL REFERENCES trades,
    channel_refund_no TEXT NOT NULL UNIQUE, amount_fen INTEGER NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS behaviours (pattern TEXT PRIMARY KEY, exact INTEGER NOT NULL, behaviour TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS calls (seq INTEGER PRIMARY KEY AUTOINCREMENT, api TEXT NOT NULL, out_trade_no TEXT, answer TEXT NOT NULL, at INTEGER NOT NULL);
`;

interface TradeRow {
  outTradeNo: string;
  channelTradeNo: string;
  authCode: string | null;
  amountFen: number;
  description: string;
  state: SimTradeState;
  createdAt: number;
  confirmAt: number | null;
  paidAt: number | null;
  closedAt: number | null;
  reversedFen: number;
}

const tradeSelect = `SELECT out_trade_no AS outTradeNo, channel_trade_no AS channelTradeNo, auth_code AS authCode, amount_fen AS amountFen,
  description, state, created_at AS createdAt, confirm_at AS confirmAt, paid_at AS paidAt, closed_at AS closedAt, reversed_fen AS reversedFen FROM trades`;
const refundSelect = `SELECT out_refund_no AS outRefundNo, out_trade_no AS outTradeNo, channel_refund_no AS channelRefundNo, amount_fen AS amountFen,
  created_at AS createdAt FROM refunds`;

export class PaySimLedger {
  readonly faults: FaultTable;
  private readonly now: () => number;
  private readonly reverseHoldMs: number;
  private readonly reverseWindowMs: number;

  private constructor(
    private readonly db: Database.Database,
    private readonly defaults: Record<string, CodeBehaviour>,
    private readonly options: SimLedgerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.reverseHoldMs = options.reverseHoldMs ?? scaled(15_000);
    this.reverseWindowMs = options.reverseWindowMs ?? scaled(7 * 86_400_000);
    this.faults = new FaultTable(db, payApis);
  }

  static open(file: string, defaults: Record<string, CodeBehaviour>, options: SimLedgerOptions): PaySimLedger {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(schema);
    return new PaySimLedger(db, defaults, options);
  }

  close(): void {
    this.db.close();
  }

  /** Per code (`exact`) or per prefix; the longest matching rule wins, then the defaults, then "pay". */
  setBehaviour(pattern: string, behaviour: CodeBehaviour, exact: boolean): void {
    if (!/^\d{1,24}$/.test(pattern)) throw new RangeError('pattern: must be 1 to 24 digits');
    assertBehaviour(behaviour);
    this.db
      .prepare('INSERT INTO behaviours (pattern, exact, behaviour) VALUES (?, ?, ?) ON CONFLICT (pattern) DO UPDATE SET exact = excluded.exact, behaviour = excluded.behaviour')
      .run(pattern, exact ? 1 : 0, JSON.stringify(behaviour));
  }

  behaviourOf(authCode: string): CodeBehaviour {
    const exact = this.db.prepare<[string], { behaviour: string }>('SELECT behaviour FROM behaviours WHERE exact = 1 AND pattern = ?').get(authCode);
    if (exact) return JSON.parse(exact.behaviour) as CodeBehaviour;
    const prefix = this.db
      .prepare<[string], { behaviour: string }>("SELECT behaviour FROM behaviours WHERE exact = 0 AND ? LIKE pattern || '%' ORDER BY length(pattern) DESC LIMIT 1")
      .get(authCode);
    if (prefix) return JSON.parse(prefix.behaviour) as CodeBehaviour;
    const builtIn = Object.keys(this.defaults).find((p) => authCode.startsWith(p));
    return builtIn ? this.defaults[builtIn]! : { kind: 'pay' };
  }

  pay(order: { outTradeNo: string; authCode: string; amountFen: number; description: string }): PayOutcome {
    return this.db.transaction((): PayOutcome => {
      const existing = this.trade(order.outTradeNo);
      if (existing) {
        if (existing.state === 'REVOKED') return { outcome: 'closed', trade: existing };
        if (existing.amountFen !== order.amountFen) return { outcome: 'conflict' };
        if (existing.authCode !== order.authCode) return existing.state === 'SUCCESS' ? { outcome: 'alreadyPaid', trade: existing } : { outcome: 'conflict' };
        // The same request again (a retry after a lost answer): the same answer, never a second charge.
        return existing.state === 'SUCCESS' ? { outcome: 'paid', trade: existing } : { outcome: 'userPaying', trade: existing };
      }
      const behaviour = this.behaviourOf(order.authCode);
      if (behaviour.kind === 'expired' || behaviour.kind === 'invalid' || behaviour.kind === 'insufficient') return { outcome: 'refused', reason: behaviour.kind };
      // A payment code is good for one order.
      if (this.db.prepare('SELECT 1 FROM trades WHERE auth_code = ?').get(order.authCode)) return { outcome: 'refused', reason: 'codeUsed' };
      const now = this.now();
      const seq = this.count('trades') + 1;
      const waiting = behaviour.kind === 'password';
      const confirmAt = waiting && behaviour.confirmAfterMs !== null ? now + behaviour.confirmAfterMs : null;
      this.db
        .prepare('INSERT INTO trades (out_trade_no, channel_trade_no, auth_code, amount_fen, description, state, created_at, confirm_at, paid_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(order.outTradeNo, this.options.tradeNo(seq, now), order.authCode, order.amountFen, order.description, waiting ? 'USERPAYING' : 'SUCCESS', now, confirmAt, waiting ? null : now);
      const trade = this.trade(order.outTradeNo)!;
      return waiting ? { outcome: 'userPaying', trade } : { outcome: 'paid', trade };
    }).immediate();
  }

  /** The order as the channel sees it now (a password entered since is applied first). */
  trade(outTradeNo: string): SimTrade | undefined {
    const row = this.db.prepare<[string], TradeRow>(`${tradeSelect} WHERE out_trade_no = ?`).get(outTradeNo);
    if (!row) return undefined;
    if (row.state === 'USERPAYING' && row.confirmAt !== null && row.confirmAt <= this.now()) {
      this.db.prepare("UPDATE trades SET state = 'SUCCESS', paid_at = confirm_at WHERE out_trade_no = ? AND state = 'USERPAYING'").run(outTradeNo);
      return this.trade(outTradeNo);
    }
    const { confirmAt: _confirmAt, ...trade } = row;
    return { ...trade, refundedFen: this.refundedFen(outTradeNo) };
  }

  reverse(outTradeNo: string): ReverseOutcome {
    return this.db.transaction((): ReverseOutcome => {
      const now = this.now();
      const trade = this.trade(outTradeNo);
      if (!trade) {
        // Nothing reached us yet; the order is closed now, so a pay still in flight is refused when it lands.
        const seq = this.count('trades') + 1;
        this.db
          .prepare("INSERT INTO trades (out_trade_no, channel_trade_no, auth_code, amount_fen, description, state, created_at, closed_at) VALUES (?, ?, NULL, 0, '', 'REVOKED', ?, ?)")
          .run(outTradeNo, this.options.tradeNo(seq, now), now, now);
        return { outcome: 'reversed', action: 'closed', trade: this.trade(outTradeNo)! };
      }
      if (trade.state === 'REVOKED') return { outcome: 'reversed', action: trade.reversedFen > 0 ? 'refunded' : 'closed', trade };
      if (now - trade.createdAt < this.reverseHoldMs) return { outcome: 'refused', reason: 'tooEarly' };
      if (now - trade.createdAt > this.reverseWindowMs) return { outcome: 'refused', reason: 'tooOld' };
      if (trade.refundedFen > 0) return { outcome: 'refused', reason: 'refunded' };
      const reversedFen = trade.state === 'SUCCESS' ? trade.amountFen : 0;
      this.db.prepare("UPDATE trades SET state = 'REVOKED', closed_at = ?, reversed_fen = ?, confirm_at = NULL WHERE out_trade_no = ?").run(now, reversedFen, outTradeNo);
      return { outcome: 'reversed', action: reversedFen > 0 ? 'refunded' : 'closed', trade: this.trade(outTradeNo)! };
    }).immediate();
  }

  /** `totalFen` is checked when the channel's API carries it (WeChat does, Alipay does not). */
  refund(request: { outTradeNo: string; outRefundNo: string; amountFen: number; totalFen?: number }): RefundOutcome {
    return this.db.transaction((): RefundOutcome => {
      const done = this.refundRecord(request.outRefundNo);
      if (done) {
        if (done.outTradeNo !== request.outTradeNo || done.amountFen !== request.amountFen) return { outcome: 'refused', reason: 'numberUsed' };
        return { outcome: 'refunded', refund: done, trade: this.trade(done.outTradeNo)!, replay: true };
      }
      const trade = this.trade(request.outTradeNo);
      if (!trade || trade.authCode === null) return { outcome: 'refused', reason: 'notFound' };
      if (trade.state !== 'SUCCESS') return { outcome: 'refused', reason: 'notPaid' };
      if (request.totalFen !== undefined && request.totalFen !== trade.amountFen) return { outcome: 'refused', reason: 'totalMismatch' };
      if (request.amountFen > trade.amountFen - trade.refundedFen) return { outcome: 'refused', reason: 'exceeds' };
      const now = this.now();
      this.db
        .prepare('INSERT INTO refunds (out_refund_no, out_trade_no, channel_refund_no, amount_fen, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(request.outRefundNo, request.outTradeNo, this.options.refundNo(this.count('refunds') + 1, now), request.amountFen, now);
      return { outcome: 'refunded', refund: this.refundRecord(request.outRefundNo)!, trade: this.trade(request.outTradeNo)!, replay: false };
    }).immediate();
  }

  refundRecord(outRefundNo: string): SimRefund | undefined {
    return this.db.prepare<[string], SimRefund>(`${refundSelect} WHERE out_refund_no = ?`).get(outRefundNo);
  }

  refunds(outTradeNo?: string): SimRefund[] {
    return outTradeNo === undefined
      ? this.db.prepare<[], SimRefund>(`${refundSelect} ORDER BY created_at, out_refund_no`).all()
      : this.db.prepare<[string], SimRefund>(`${refundSelect} WHERE out_trade_no = ? ORDER BY created_at, out_refund_no`).all(outTradeNo);
  }

  trades(): SimTrade[] {
    return this.db
      .prepare<[], { outTradeNo: string }>('SELECT out_trade_no AS outTradeNo FROM trades ORDER BY created_at, out_trade_no')
      .all()
      .map((r) => this.trade(r.outTradeNo)!);
  }

  totals(): SimTotals {
    const trades = this.trades();
    const collectedFen = trades.reduce((sum, t) => sum + (t.paidAt !== null ? t.amountFen : 0), 0);
    const reversedFen = trades.reduce((sum, t) => sum + t.reversedFen, 0);
    const refundedFen = trades.reduce((sum, t) => sum + t.refundedFen, 0);
    return { collectedFen, reversedFen, refundedFen, netFen: collectedFen - reversedFen - refundedFen };
  }

  /** Every call the simulator answered, so a test can prove that something was never asked. */
  logCall(api: PayApi, outTradeNo: string | null, answer: string): void {
    this.db.prepare('INSERT INTO calls (api, out_trade_no, answer, at) VALUES (?, ?, ?, ?)').run(api, outTradeNo, answer, this.now());
  }

  calls(api?: PayApi): SimCall[] {
    const select = 'SELECT seq, api, out_trade_no AS outTradeNo, answer, at FROM calls';
    return api === undefined
      ? this.db.prepare<[], SimCall>(`${select} ORDER BY seq`).all()
      : this.db.prepare<[string], SimCall>(`${select} WHERE api = ? ORDER BY seq`).all(api);
  }

  private refundedFen(outTradeNo: string): number {
    return this.db.prepare<[string], { fen: number }>('SELECT coalesce(sum(amount_fen), 0) AS fen FROM refunds WHERE out_trade_no = ?').get(outTradeNo)?.fen ?? 0;
  }

  private count(table: 'trades' | 'refunds'): number {
    return this.db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0;
  }
}

/** Throws a RangeError naming the field when `value` is not a behaviour the simulator knows. */
export function assertBehaviour(value: unknown): asserts value is CodeBehaviour {
  const b = value as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null) throw new RangeError('behaviour: must be an object with a kind');
  if (b.kind === 'password') {
    const ms = b.confirmAfterMs;
    if (ms !== null && (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0)) {
      throw new RangeError('behaviour.confirmAfterMs: must be a non-negative whole number of milliseconds, or null for never');
    }
    return;
  }
  if (!['pay', 'expired', 'invalid', 'insufficient'].includes(b.kind as string)) {
    throw new RangeError('behaviour.kind: must be pay, password, expired, invalid or insufficient');
  }
}
