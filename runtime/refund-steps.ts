import { formatYuan } from '../contract/money.ts';
import type { OpName, RefundInstruction, RpcResponse } from '../contract/rpc.ts';
import { scaled } from '../contract/time-scale.ts';
import { isDeviceError } from '../drivers/core/device-error.ts';
import type { CardPaymentResult, PaymentModule } from '../drivers/pos/driver.ts';
import type { ReceiptDocument } from '../drivers/printer/encoder.ts';
import type { KioskConfig } from './config.ts';
import type { Journal, JournalEntry } from './journal/journal.ts';
import { RpcNoAnswer, type Link } from './link.ts';
import type { PaymentSteps } from './payment-steps.ts';
import { paidReceipt, refundSlip, settledNotes } from './receipts.ts';

export interface RefundDeps {
  config: KioskConfig;
  journal: Journal;
  link: Link;
  pos: PaymentModule;
  steps: PaymentSteps;
  afterRecord: () => void;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** How a trade without collection ended at central: done with its answer, refused, or not known by the deadline. */
export type TradeOutcome<D> = { state: 'done'; data: D } | { state: 'refused'; code: string; message: string } | { state: 'pending'; reason: string };

/** One refund the HIS ordered, as it ended at this kiosk. */
export interface GivenBack {
  method: string;
  amountFen: number;
  /** `card`: back on the card now; `channel`: back on WeChat or Alipay; `voucher`: a cashier pays it; `pending`: not confirmed yet, the slip says where to ask. */
  how: 'card' | 'channel' | 'voucher' | 'pending';
}

/** A pause of `ms` production time, at the time scale. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, scaled(ms)));

/**
 * Trades that collect nothing at the kiosk: recovery at boot resumes their transactions here. All
 * but a check-in may give money back; a check-in paid at booking only has a queue slip to print.
 */
export const refundingOps: readonly OpName[] = ['appointment.cancel', 'account.refund', 'discharge.settle', 'appointment.checkin'];

/**
 * Trades that collect nothing at the kiosk but may give money back (a cancelled appointment, a
 * prepaid balance, a discharge's surplus deposit), and the giving back itself (DESIGN.md §1, §6).
 * Central decides each refund by how the money came in: the bridge gives a QR payment back on its
 * channel; a card sale is voided or refunded here on the payment module and reported as a
 * `card.refund.result` fact; anything else is owed on a voucher a cashier pays. The journal counts
 * no money for these: what the kiosk collected was counted in the transaction that collected it,
 * and central's ledger holds the refund; the journal keeps every step as a fact.
 */
export class RefundSteps {
  constructor(private readonly d: RefundDeps) {}

  private record(entry: JournalEntry): void {
    this.d.journal.record(entry);
    this.d.afterRecord();
  }

  /**
   * Asks central for a trade under `txnId` (already opened in the journal) until it answers for
   * sure: a lost answer is asked again (same txnId, idempotent), an unknown one is resolved by
   * `txn.query`, and at the deadline the transaction is PENDING. A refusal closes it ABANDONED.
   */
  async trade<D>(txnId: string, op: OpName, args: Record<string, unknown>): Promise<TradeOutcome<D>> {
    // The arguments are ids and amounts only; recovery sends them again.
    this.record({ type: 'trade.intent', txnId, data: { op, args } });
    const until = Date.now() + this.d.config.timeouts.settleDeadlineMs;
    while (Date.now() < until) {
      let r: RpcResponse<D>;
      try {
        r = await this.d.link.rpc<D>({ op, txnId, args, timeoutMs: this.d.config.timeouts.rpcMs });
      } catch (e) {
        if (!(e instanceof RpcNoAnswer)) throw e;
        await sleep(1000);
        continue;
      }
      if (r.status === 'OK' && r.data !== undefined) {
        this.record({ type: 'trade.result', txnId, data: { op, done: true } });
        return { state: 'done', data: r.data };
      }
      if (r.status === 'FAILED') {
        const code = r.code ?? 'FAILED';
        this.record({ type: 'trade.result', txnId, data: { op, done: false, code } });
        this.record({ type: 'txn.closed', txnId, close: 'ABANDONED', data: { state: 'ABANDONED', reason: code } });
        return { state: 'refused', code, message: r.message ?? code };
      }
      if (r.status === 'PENDING') break;
      await sleep(1000);
    }
    const reason = 'central could not confirm the outcome in time';
    this.record({ type: 'trade.result', txnId, data: { op, done: false, code: 'PENDING' } });
    this.record({ type: 'txn.closed', txnId, close: 'PENDING', data: { state: 'PENDING', reason } });
    return { state: 'pending', reason };
  }

  /**
   * Gives back every refund central ordered for `txnId`, prints one slip that says where each went
   * (and a voucher per cash refund), and closes the transaction SETTLED. A card refund the module
   * does not approve is owed by a cashier; the slip says so and central keeps it open.
   */
  async giveBack(txnId: string, refunds: RefundInstruction[], slip: { title: string; nameMasked: string }): Promise<GivenBack[]> {
    const given: GivenBack[] = [];
    for (const [i, r] of refunds.entries()) given.push(await this.giveBackOne(txnId, i + 1, r));
    await this.d.steps.print(this.slipDocument(txnId, slip, given));
    this.record({ type: 'refund.slip.printed', txnId, data: { refunds: given.map((g) => ({ method: g.method, amountFen: g.amountFen, how: g.how })) } });
    if (this.d.journal.txn(txnId)?.state === 'OPEN') this.record({ type: 'txn.closed', txnId, close: 'SETTLED', data: { state: 'SETTLED' } });
    return given;
  }

  private async giveBackOne(txnId: string, n: number, r: RefundInstruction): Promise<GivenBack> {
    if (r.method === 'card' && (r.action === 'void' || r.action === 'refund')) {
      const approved = await this.cardRefund(txnId, n, r);
      return { method: 'card', amountFen: r.amountFen, how: approved ? 'card' : 'pending' };
    }
    if (r.method === 'qr' && (r.action === 'refunded' || r.action === 'pending')) {
      return { method: r.method, amountFen: r.amountFen, how: r.action === 'refunded' ? 'channel' : 'pending' };
    }
    return { method: r.method, amountFen: r.amountFen, how: 'voucher' };
  }

  /**
   * Voids (same day, whole amount) or refunds a card sale on the module under our order id
   * `txnId` + `R` + n. A lost answer is read back with `queryLast`; the refund is never sent twice.
   */
  private async cardRefund(txnId: string, n: number, r: Extract<RefundInstruction, { method: 'card' }>): Promise<boolean> {
    const orderId = `${txnId}R${n}`;
    const events = this.d.journal.eventsOf(txnId);
    const done = events.find((e) => e.type === 'card.refund.result' && e.data.orderId === orderId);
    if (done) return done.data.approved === true;
    // Journaled before the kiosk stopped: the module's last record says whether it went out. Another
    // order's record there means it never reached the module (nothing else runs on the module
    // between a stop and recovery), so it is sent now; a module that cannot be asked is not sent it.
    const journaled = events.some((e) => e.type === 'card.refund.intent' && e.data.orderId === orderId);
    const known = journaled ? await this.moduleLast() : undefined;
    let result: CardPaymentResult | null = null;
    if (known?.last?.orderId === orderId) result = known.last;
    else if (!journaled || known !== undefined) result = await this.sendCardRefund(txnId, orderId, r);
    const approved = result?.approved === true;
    // The fact central closes the refund on (contract/facts.ts `card.refund.result`).
    this.record({ type: 'card.refund.result', txnId, data: { orderId, ofTxnId: r.ofTxnId, approved, amountFen: r.amountFen, respCode: result?.respCode ?? 'NS', rrn: result?.rrn ?? '', trace: result?.trace ?? '' } });
    return approved;
  }

  private async sendCardRefund(txnId: string, orderId: string, r: Extract<RefundInstruction, { method: 'card' }>): Promise<CardPaymentResult | null> {
    this.record({ type: 'card.refund.intent', txnId, data: { orderId, ofTxnId: r.ofTxnId, action: r.action, amountFen: r.amountFen, trace: r.trace } });
    try {
      return r.action === 'void'
        ? await this.d.pos.void({ trace: r.trace, rrn: r.rrn, amountFen: r.amountFen, orderId })
        : await this.d.pos.refund({ rrn: r.rrn, settleDate: r.settleDate, amountFen: r.amountFen, orderId });
    } catch (e) {
      if (!isDeviceError(e)) throw e;
      this.d.log('payment module refund outcome unknown; asking it', { txnId, code: e.code });
      const known = await this.moduleLast();
      return known?.last?.orderId === orderId ? known.last : null;
    }
  }

  /** The module's last transaction (null: it has none), or undefined when it cannot be asked. */
  private async moduleLast(): Promise<{ last: CardPaymentResult | null } | undefined> {
    for (let tries = 0; tries < 5; tries++) {
      try {
        return { last: await this.d.pos.queryLast() };
      } catch (e) {
        if (!isDeviceError(e)) throw e;
        await sleep(2000);
      }
    }
    return undefined;
  }

  /**
   * Recovery at boot for a transaction of a refunding op: the trade is asked again with the
   * journaled arguments (the same txnId, so central answers what it did the first time, refunds
   * included), and the refunds not yet given back are given back now.
   */
  async recover(txnId: string): Promise<void> {
    const events = this.d.journal.eventsOf(txnId);
    const opened = events.find((e) => e.type === 'txn.opened')?.data ?? {};
    const intent = events.filter((e) => e.type === 'trade.intent').at(-1)?.data;
    if (!intent) {
      this.record({ type: 'txn.closed', txnId, close: 'ABANDONED', data: { state: 'ABANDONED', reason: 'kiosk stopped before asking central' } });
      return;
    }
    const op = intent.op as OpName;
    const outcome = await this.trade<{ refunds?: RefundInstruction[] }>(txnId, op, intent.args as Record<string, unknown>);
    if (outcome.state !== 'done') return;
    const refunds = outcome.data.refunds ?? [];
    if (refunds.length === 0 && settledNotes(op, outcome.data).length > 0) await this.tradeSlip(txnId, op, outcome.data);
    else await this.giveBack(txnId, refunds, { title: String(opened.title ?? '退费凭条'), nameMasked: String(opened.nameMasked ?? '') });
  }

  /**
   * Closes a trade that gave nothing back but has news for the patient (a prepaid check-in's
   * queue number, room and time): the receipt of the transaction with what the op says, then
   * SETTLED. Without this, such a trade could only end on a "nothing refunded" slip.
   */
  async tradeSlip(txnId: string, op: OpName, result: unknown): Promise<boolean> {
    const { hisReceiptNo } = result as { hisReceiptNo?: unknown };
    const facts = { ...this.d.steps.facts(txnId), notes: settledNotes(op, result), ...(typeof hisReceiptNo === 'string' ? { hisReceiptNo } : {}) };
    const printed = await this.d.steps.print(paidReceipt(facts));
    this.record({ type: 'trade.slip.printed', txnId, data: { op, printed } });
    if (this.d.journal.txn(txnId)?.state === 'OPEN') this.record({ type: 'txn.closed', txnId, close: 'SETTLED', data: { state: 'SETTLED' } });
    return printed;
  }

  private slipDocument(txnId: string, slip: { title: string; nameMasked: string }, given: GivenBack[]): ReceiptDocument {
    return refundSlip({ hospital: this.d.config.site.hospital, kioskId: this.d.config.kioskId, txnId, title: slip.title, nameMasked: slip.nameMasked }, given.map((g) => ({ ...g, amount: formatYuan(g.amountFen) })));
  }
}
