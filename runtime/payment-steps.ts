import { ulid } from 'ulid';
import { scaled } from '../contract/time-scale.ts';
import type { InsuranceCredential, OpName, PayResult, PreSettleResult, QrPaymentResult, RpcResponse, TxnQueryResult } from '../contract/rpc.ts';
import { isDeviceError } from '../drivers/core/device-error.ts';
import type { CardPaymentResult, PaymentModule } from '../drivers/pos/driver.ts';
import type { ReceiptPrinter } from '../drivers/printer/driver.ts';
import type { Bill, CardSale, Collected, PosStage, QrOutcome, SettleOutcome, SettlePlan } from '../machines/types.ts';
import type { KioskConfig } from './config.ts';
import type { Journal, JournalEntry } from './journal/journal.ts';
import { CentralRefusal, RpcNoAnswer, type Link } from './link.ts';
import { cashVoucher, outcomeSlip, paidReceipt, settledNotes, type PaymentFacts, type ReceiptBill, type SlipKind } from './receipts.ts';

export interface PaymentDeps {
  config: KioskConfig;
  journal: Journal;
  link: Link;
  pos: PaymentModule;
  printer: ReceiptPrinter;
  /** After every journal write: drain the outbox. */
  afterRecord: () => void;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** A pause of `ms` production time, at the time scale. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, scaled(ms)));

/**
 * The money steps of a bill payment, shared by the flow's actors and by recovery at boot.
 * Each step journals its intent before it acts and its result after (DESIGN.md §4).
 */
export class PaymentSteps {
  constructor(private readonly d: PaymentDeps) {}

  private record(entry: JournalEntry): void {
    this.d.journal.record(entry);
    this.d.afterRecord();
  }

  /** An RPC that must get an answer: system-wait, retried (same txnId, so idempotent) until it does. */
  private async insist<D>(op: 'bill.pay' | 'txn.query', args: Record<string, unknown>, txnId?: string): Promise<RpcResponse<D>> {
    for (;;) {
      try {
        return await this.d.link.rpc<D>({ op, args, txnId, timeoutMs: this.d.config.timeouts.rpcMs });
      } catch (e) {
        if (!(e instanceof RpcNoAnswer)) throw e;
        this.d.log('no answer from central; asking again', { op, txnId });
        await sleep(1000);
      }
    }
  }

  /**
   * Opens a money transaction in the journal before anything is asked of central or the patient:
   * what it is for (the receipt's title and lines) and who it is for (masked).
   */
  open(input: { open: OpName; nameMasked: string; title?: string; bills: ReceiptBill[]; totalFen: number }): string {
    const txnId = ulid();
    this.record({ type: 'txn.opened', txnId, open: input.open, data: { nameMasked: input.nameMasked, title: input.title, bills: input.bills, totalFen: input.totalFen } });
    return txnId;
  }

  /**
   * What central will be asked once the money is in, and how much: journaled so recovery can ask
   * the same. `release` undoes the preparation (a slot lock) when nothing is paid after all: it is
   * sent whenever the transaction closes with nothing collected, at once or at boot.
   */
  plan(txnId: string, plan: SettlePlan, amountFen: number, release?: { op: OpName; args: Record<string, unknown> }): void {
    this.record({ type: 'settle.planned', txnId, data: { op: plan.op, args: plan.args, amountFen, ...(release ? { release } : {}) } });
  }

  /** Closes a transaction whose preparation failed at central: nothing was collected. */
  notPrepared(txnId: string, reason: string): void {
    this.record({ type: 'txn.closed', txnId, close: 'ABANDONED', data: { state: 'ABANDONED', reason } });
  }

  /** Nothing was collected: the transaction closes, and a held preparation is given back. */
  private abandoned(txnId: string, reason: string): Promise<void> {
    this.record({ type: 'txn.closed', txnId, close: 'ABANDONED', data: { state: 'ABANDONED', reason } });
    return this.releasePreparation(txnId);
  }

  /** As `abandoned`, for a step that answers at once: the release goes out while the patient reads why. */
  private abandonedNow(txnId: string, reason: string): void {
    this.abandoned(txnId, reason).catch((e: unknown) => this.d.log('release of the preparation failed', { txnId, error: (e as Error).message }));
  }

  /**
   * The planned release, once (central accepts it on a transaction the kiosk abandoned); a flow
   * whose payment was refunded releases it too. Not insisted on: a lock nobody releases runs out
   * at the HIS by itself.
   */
  async releasePreparation(txnId: string): Promise<void> {
    const events = this.d.journal.eventsOf(txnId);
    const release = events.filter((e) => e.type === 'settle.planned').at(-1)?.data.release as { op: OpName; args: Record<string, unknown> } | undefined;
    if (!release || events.some((e) => e.type === 'preparation.released')) return;
    try {
      const r = await this.d.link.rpc({ op: release.op, txnId, args: release.args, timeoutMs: this.d.config.timeouts.rpcMs });
      this.record({ type: 'preparation.released', txnId, data: { op: release.op, released: r.status === 'OK', ...(r.code ? { code: r.code } : {}) } });
    } catch (e) {
      if (!(e instanceof RpcNoAnswer)) throw e;
      this.d.log('no answer to the release; it runs out at the HIS', { txnId, op: release.op });
    }
  }

  /**
   * A preparation step at central under the transaction's id (pre-settle, slot lock). No answer
   * or a refusal closes the transaction: nothing was collected yet.
   */
  async prepare<D>(txnId: string, op: OpName, args: Record<string, unknown>): Promise<D> {
    let response: RpcResponse<D>;
    try {
      response = await this.d.link.rpc<D>({ op, txnId, args, timeoutMs: this.d.config.timeouts.rpcMs });
    } catch (e) {
      this.notPrepared(txnId, `no answer to ${op}`);
      throw e;
    }
    if (response.status !== 'OK' || !response.data) {
      this.notPrepared(txnId, response.code ?? response.status);
      throw new CentralRefusal(response.message ?? `${op} ${response.code ?? response.status}`, response.code);
    }
    return response.data;
  }

  /**
   * Opens the bill transaction and pre-settles it; with an insurance credential central splits the
   * bill with the national platform first. The credential (an ID number, an e-voucher token) goes
   * to central in the request only; the journal keeps the split.
   */
  async preSettle(input: { patientId: string; nameMasked: string; bills: Bill[]; totalFen: number; insurance?: InsuranceCredential }): Promise<{ txnId: string; preSettle: PreSettleResult }> {
    const bills: ReceiptBill[] = input.bills.map((b) => ({ billNo: b.billNo, department: b.department, amountFen: b.amountFen }));
    const txnId = this.open({ open: 'bill.pay', nameMasked: input.nameMasked, bills, totalFen: input.totalFen });
    const args = { patientId: input.patientId, billNos: input.bills.map((b) => b.billNo), ...(input.insurance ? { insurance: input.insurance } : {}) };
    const p = await this.prepare<PreSettleResult>(txnId, 'bill.preSettle', args);
    this.record({ type: 'bill.presettled', txnId, data: { preSettleId: p.preSettleId, selfFen: p.selfFen, totalFen: p.totalFen, fundFen: p.fundFen, acctFen: p.acctFen, insured: input.insurance !== undefined } });
    this.plan(txnId, { op: 'bill.pay', args: { preSettleId: p.preSettleId } }, p.selfFen);
    return { txnId, preSettle: p };
  }

  /**
   * The bank module takes the card and PIN. A timeout is an unknown outcome: the module is asked
   * what it last did (by our order id) until it answers; a sale is never sent twice.
   */
  async cardSale(txnId: string, amountFen: number, onStage: (s: PosStage) => void): Promise<CardSale> {
    this.record({ type: 'card.sale.intent', txnId, data: { amountFen } });
    let result: CardPaymentResult | null;
    try {
      result = await this.d.pos.sale({ amountFen, orderId: txnId }, { onProgress: onStage });
    } catch (e) {
      if (!isDeviceError(e)) throw e;
      this.d.log('payment module outcome unknown; asking it', { txnId, code: e.code });
      result = await this.lastModuleRecord(txnId, 'sale');
    }
    return this.recordSale(txnId, amountFen, result);
  }

  /** Recovery: the sale was asked for but its answer never reached the journal. */
  async saleFromModule(txnId: string, amountFen: number): Promise<CardSale> {
    return this.recordSale(txnId, amountFen, await this.lastModuleRecord(txnId, 'sale'));
  }

  /** Recovery: nothing was collected. Central records it ABANDONED if it never saw it. */
  async resolveNothingCollected(txnId: string): Promise<void> {
    await this.insist<TxnQueryResult>('txn.query', { txnId });
    await this.abandoned(txnId, 'kiosk stopped before payment');
  }

  /** What the module last did for this order, or null when it has no such record. */
  private async lastModuleRecord(txnId: string, kind: 'sale' | 'void'): Promise<CardPaymentResult | null> {
    for (;;) {
      try {
        const last = await this.d.pos.queryLast();
        return last && last.orderId === txnId && (kind === 'sale' ? last.transType === 'sale' : last.transType === 'void') ? last : null;
      } catch (e) {
        if (!isDeviceError(e)) throw e;
        await sleep(2000);
      }
    }
  }

  recordSale(txnId: string, amountFen: number, result: CardPaymentResult | null): CardSale {
    const sale: CardSale = result
      ? { approved: result.approved, respCode: result.respCode, respInfo: result.respInfo, amountFen: result.amountFen, rrn: result.rrn, trace: result.trace, batch: result.batch, authCode: result.authCode, panMasked: result.panMasked, tid: result.tid, mid: result.mid, settleDate: result.settleDate }
      : { approved: false, respCode: 'NS', respInfo: '支付模块无此交易', amountFen, rrn: '', trace: '', batch: '', authCode: '', panMasked: '', tid: '', mid: '', settleDate: '' };
    this.record({ type: 'card.sale.result', txnId, data: { ...sale }, ...(sale.approved ? { money: { collected: sale.amountFen } } : {}) });
    if (!sale.approved) this.abandonedNow(txnId, `declined ${sale.respCode}`);
    return sale;
  }

  /**
   * Central settles with the HIS. Definite no → reverse a card, or owe cash back on a voucher;
   * unknown → ask until known, then PENDING at the deadline.
   */
  async settle(txnId: string, plan: SettlePlan, collected: Collected): Promise<SettleOutcome> {
    this.record({ type: 'his.settle.intent', txnId, data: { op: plan.op, method: collected.method } });
    const payment = paymentOf(collected);
    const { amountFen } = payment;
    const until = Date.now() + this.d.config.timeouts.settleDeadlineMs;
    while (Date.now() < until) {
      let r: RpcResponse<PayResult & { compensate?: string }>;
      try {
        r = await this.d.link.rpc({ op: plan.op, txnId, args: { ...plan.args, payment }, timeoutMs: this.d.config.timeouts.rpcMs });
      } catch (e) {
        if (!(e instanceof RpcNoAnswer)) throw e;
        await sleep(1000);
        continue;
      }
      if (r.status === 'OK' && r.data) return this.settled(txnId, amountFen, r.data.hisReceiptNo, collected, plan.op, r.data);
      if (r.status === 'FAILED' && r.data?.compensate === 'refunded') return this.refundedByCentral(txnId, r.code ?? 'FAILED', collected);
      // Central holds a QR payment itself: only its own refund ends one; anything else is asked again.
      if (r.status === 'FAILED' && collected.method !== 'qr' && (r.data?.compensate === 'reverse' || r.data?.compensate === 'voucher')) return this.refused(txnId, r.code ?? 'FAILED', collected);
      if (r.status === 'PENDING') return this.pending(txnId, collectedFen(collected), r.message ?? 'HIS outcome unknown');
      // A refusal without a reversal order (expired, conflict, malformed) is not proof the bill
      // is unpaid: central's record of the transaction decides.
      if (r.status === 'FAILED') break;
      await sleep(1000);
    }
    return this.resolveByQuery(txnId, collected);
  }

  /**
   * Central's record decides: past the settle deadline, after a refusal without a reversal order,
   * or at boot. `finish` is for recovery only: central has the prepared transaction but never got
   * the payment, so the planned op is sent once more (the same txnId is idempotent). While central itself does not
   * know the HIS outcome it is asked again, and at the deadline the money is PENDING, never reversed.
   */
  async resolveByQuery(txnId: string, collected: Collected, finish?: SettlePlan): Promise<SettleOutcome> {
    const amountFen = paymentOf(collected).amountFen;
    const until = Date.now() + this.d.config.timeouts.settleDeadlineMs;
    for (;;) {
      const r = await this.insist<TxnQueryResult>('txn.query', { txnId });
      const q = r.data;
      if (r.status === 'OK' && q) {
        if (q.state === 'SETTLED' && q.hisReceiptNo) return this.settled(txnId, amountFen, q.hisReceiptNo, collected);
        if (q.state === 'PENDING') return this.pending(txnId, collectedFen(collected), 'central holds it pending');
        if (q.state === 'OPEN' && !q.compensate && finish) return this.settle(txnId, finish, collected);
        if (collected.method === 'qr' && (q.state === 'COMPENSATED' || q.compensate === 'refunded')) return this.refundedByCentral(txnId, 'HIS refused', collected);
        // Central ordered a compensation, or holds no payment for this transaction: nothing was applied.
        if (collected.method !== 'qr') return this.refused(txnId, q.compensate ? 'HIS refused' : `central: ${q.state}`, collected);
      }
      if (Date.now() >= until) return this.pending(txnId, collectedFen(collected), r.message ?? 'HIS outcome unknown');
      await sleep(1000);
    }
  }

  /** Applied to the bill; cash paid over the amount is owed back on the change voucher the receipt carries. */
  private settled(txnId: string, amountFen: number, hisReceiptNo: string, collected: Collected, op?: OpName, result?: unknown): SettleOutcome {
    // One entry: a crash cannot leave the bill applied and the change not owed.
    const changeFen = collected.method === 'cash' ? collected.cash.changeFen : 0;
    // What the receipt says beyond the payment (a queue number, a new balance), kept so a reprint says it too.
    const notes = op && result !== undefined ? settledNotes(op, result) : [];
    this.record({ type: 'his.settle.result', txnId, money: { applied: amountFen, ...(changeFen > 0 ? { voucher: changeFen } : {}) }, data: { settled: true, hisReceiptNo, changeFen, ...(notes.length ? { notes } : {}) } });
    return { outcome: 'settled', hisReceiptNo, result };
  }

  /** The bridge refunded a QR payment through its channel: the money went back; only the slip is ours. */
  private refundedByCentral(txnId: string, code: string, collected: Collected): SettleOutcome {
    const amountFen = collectedFen(collected);
    this.record({ type: 'his.settle.result', txnId, money: { refunded: amountFen }, data: { settled: false, code, compensate: 'refunded' } });
    this.record({ type: 'txn.closed', txnId, close: 'COMPENSATED', data: { state: 'COMPENSATED', reason: code } });
    return { outcome: 'refunded', reason: code };
  }

  private refused(txnId: string, code: string, collected: Collected): SettleOutcome {
    if (collected.method === 'insurance') {
      // Nothing was handed over; central cancels the platform's settlement itself (2208/2601).
      this.record({ type: 'his.settle.result', txnId, data: { settled: false, code } });
      this.abandonedNow(txnId, code);
      return { outcome: 'notApplied', reason: code };
    }
    const compensate = collected.method === 'cash' ? 'voucher' : 'reverse';
    this.record({ type: 'his.settle.result', txnId, data: { settled: false, code, compensate } });
    return { outcome: compensate, reason: code };
  }

  /**
   * Cash taken but not applied (the bill was refused, the patient gave up half-way, the acceptor
   * failed): the kiosk cannot hand notes back, so a voucher owes them, and the transaction closes.
   */
  async printCashVoucher(txnId: string, amountFen: number, reason: string): Promise<void> {
    this.record({ type: 'cash.voucher.intent', txnId, data: { amountFen, reason } });
    const printed = await this.print(cashVoucher({ ...this.facts(txnId), amountFen }, 'refund'));
    this.record({ type: 'cash.voucher.printed', txnId, money: { voucher: amountFen }, data: { kind: 'refund', amountFen, printed } });
    this.record({ type: 'txn.closed', txnId, close: 'COMPENSATED', data: { state: 'COMPENSATED', reason } });
  }

  private pending(txnId: string, amountFen: number, reason: string): SettleOutcome {
    this.record({ type: 'txn.closed', txnId, close: 'PENDING', money: { pending: amountFen }, data: { state: 'PENDING', reason } });
    return { outcome: 'pending', reason };
  }

  /** Same-day void on the module; if the module cannot confirm it, the money is PENDING, not lost. */
  async voidSale(txnId: string, sale: CardSale, reason: string): Promise<void> {
    const previous = this.d.journal.eventsOf(txnId).some((e) => e.type === 'card.void.intent');
    let result: CardPaymentResult | null = previous ? await this.lastModuleRecord(txnId, 'void') : null;
    if (!result?.approved) {
      this.record({ type: 'card.void.intent', txnId, data: { trace: sale.trace, amountFen: sale.amountFen, reason } });
      try {
        result = await this.d.pos.void({ trace: sale.trace, rrn: sale.rrn, amountFen: sale.amountFen, orderId: txnId, authCode: sale.authCode, batch: sale.batch });
      } catch (e) {
        if (!isDeviceError(e)) throw e;
        result = await this.lastModuleRecord(txnId, 'void');
      }
    }
    const approved = result?.approved === true;
    this.record({ type: 'card.void.result', txnId, data: { approved, respCode: result?.respCode ?? 'NS', trace: result?.trace ?? '' }, ...(approved ? { money: { refunded: sale.amountFen } } : {}) });
    if (approved) this.record({ type: 'txn.closed', txnId, close: 'COMPENSATED', data: { state: 'COMPENSATED', reason } });
    else this.record({ type: 'txn.closed', txnId, close: 'PENDING', money: { pending: sale.amountFen }, data: { state: 'PENDING', reason: 'void not confirmed by the module' } });
  }

  /** Prints the receipt (or its reprint after a crash) and closes the transaction SETTLED. */
  async printReceipt(txnId: string, extra: { items?: Bill[]; reprint?: boolean } = {}): Promise<void> {
    const facts = this.facts(txnId, extra.items);
    this.record({ type: 'receipt.print.intent', txnId, data: { reprint: extra.reprint ?? false } });
    const printed = await this.print(paidReceipt({ ...facts, reprint: extra.reprint }));
    if (facts.cash && facts.cash.changeFen > 0) await this.print(cashVoucher({ ...facts, amountFen: facts.cash.changeFen, reprint: extra.reprint }, 'change'));
    this.record({ type: 'txn.closed', txnId, close: 'SETTLED', data: { state: 'SETTLED', receiptPrinted: printed } });
  }

  /**
   * How a QR collection ended, from central: the first answer if it is final, else asked again
   * until the deadline (a lost answer, "user paying"). Journals the result; an unknown one closes
   * the transaction PENDING, because the patient may have paid.
   */
  async awaitQr(txnId: string, amountFen: number, first?: RpcResponse<QrPaymentResult>): Promise<QrOutcome> {
    const until = Date.now() + this.d.config.timeouts.settleDeadlineMs + this.d.config.timeouts.rpcMs;
    let answer = first;
    // At boot (no first answer) central is asked at once; after a pay, not before a pause.
    let pause = first !== undefined;
    while (!qrFinal(answer) && Date.now() < until) {
      if (pause) await sleep(1000);
      pause = true;
      try {
        answer = await this.d.link.rpc<QrPaymentResult>({ op: 'payment.qr.query', args: { txnId }, timeoutMs: this.d.config.timeouts.rpcMs });
      } catch (e) {
        if (!(e instanceof RpcNoAnswer)) throw e;
      }
    }
    const r = answer?.data;
    if (answer?.status === 'OK' && r?.state === 'paid' && r.channel && r.channelTradeNo) {
      const paid = { channel: r.channel, channelTradeNo: r.channelTradeNo, amountFen: r.amountFen ?? amountFen };
      this.record({ type: 'qr.pay.result', txnId, money: { collected: paid.amountFen }, data: { state: 'paid', channel: paid.channel, channelTradeNo: paid.channelTradeNo } });
      return { state: 'paid', qr: paid };
    }
    // Refused before any money moved (a bad or expired code), or failed and reversed by central.
    const refused = answer?.status === 'FAILED' && !r;
    if (refused || (r && (r.state === 'failed' || r.state === 'reversed' || r.state === 'none'))) {
      const reason = r?.reason ?? answer?.message ?? answer?.code ?? 'failed';
      this.record({ type: 'qr.pay.result', txnId, data: { state: r?.state ?? 'refused', reason } });
      await this.abandoned(txnId, `QR ${r?.state ?? 'refused'}`);
      return { state: 'failed', reason };
    }
    const reason = r?.reason ?? answer?.message ?? 'no final answer from central';
    this.record({ type: 'qr.pay.result', txnId, money: { collected: amountFen }, data: { state: 'unknown', reason } });
    this.record({ type: 'txn.closed', txnId, close: 'PENDING', money: { pending: amountFen }, data: { state: 'PENDING', reason } });
    return { state: 'pending', reason };
  }

  /** A staff reprint of a closed, paid transaction's receipt, marked as a reprint; journaled as a fact. */
  async reprintReceipt(txnId: string, staffId: string): Promise<boolean> {
    const printed = await this.print(paidReceipt({ ...this.facts(txnId), reprint: true }));
    this.record({ type: 'receipt.reprinted', txnId, data: { staffId, printed } });
    return printed;
  }

  /** The slip that explains a payment that did not complete; the txn is already closed. */
  async printSlip(txnId: string): Promise<void> {
    const txn = this.d.journal.txn(txnId);
    const kind: SlipKind = txn?.state === 'COMPENSATED' ? 'refunded' : txn?.state === 'PENDING' ? 'pending' : 'notCharged';
    const printed = await this.print(outcomeSlip(kind, this.facts(txnId)));
    this.record({ type: 'slip.printed', txnId, data: { kind, printed } });
  }

  async print(doc: Parameters<ReceiptPrinter['print']>[0]): Promise<boolean> {
    try {
      await this.d.printer.print(doc);
      return true;
    } catch (e) {
      this.d.log('receipt printer failed', { code: isDeviceError(e) ? e.code : 'UNKNOWN' });
      return false;
    }
  }

  /** Rebuilt from the journal, so a reprint after a crash says the same as the original would. */
  facts(txnId: string, items?: Bill[]): PaymentFacts {
    const events = this.d.journal.eventsOf(txnId);
    const of = (type: string) => events.filter((e) => e.type === type).at(-1)?.data;
    const opened = of('txn.opened') ?? {};
    const sale = of('card.sale.result') as CardSale | undefined;
    const cash = of('cash.collect.result') as { insertedFen: number; changeFen: number } | undefined;
    const qr = of('qr.pay.result') as { state: string; channel?: 'wechat' | 'alipay'; channelTradeNo?: string } | undefined;
    const settled = of('his.settle.result');
    const bills = ((opened.bills as ReceiptBill[] | undefined) ?? []).map((b) => ({
      ...b,
      items: items?.find((i) => i.billNo === b.billNo)?.items.map((i) => ({ name: i.name, qty: i.qty, amountFen: i.amountFen })),
    }));
    return {
      hospital: this.d.config.site.hospital,
      kioskId: this.d.config.kioskId,
      txnId,
      nameMasked: String(opened.nameMasked ?? ''),
      bills,
      title: opened.title as string | undefined,
      amountFen: Number((of('settle.planned')?.amountFen as number | undefined) ?? (of('bill.presettled')?.selfFen as number | undefined) ?? opened.totalFen ?? 0),
      sale: sale?.approved ? sale : undefined,
      ...(cash ? { cash: { insertedFen: cash.insertedFen, changeFen: cash.changeFen } } : {}),
      ...(qr?.state === 'paid' && qr.channel && qr.channelTradeNo ? { qr: { channel: qr.channel, channelTradeNo: qr.channelTradeNo } } : {}),
      hisReceiptNo: settled?.hisReceiptNo as string | undefined,
      notes: (settled?.notes as string[] | undefined) ?? [],
      at: new Date(),
    };
  }
}

/** The contract's payment object for what was collected (DESIGN.md §7: one schema for every money op). */
export function paymentOf(collected: Collected): { method: Collected['method']; amountFen: number } & Record<string, unknown> {
  if (collected.method === 'card') {
    const { sale } = collected;
    return { method: 'card', amountFen: sale.amountFen, rrn: sale.rrn, trace: sale.trace, batch: sale.batch, authCode: sale.authCode, panMasked: sale.panMasked, tid: sale.tid, mid: sale.mid, settleDate: sale.settleDate };
  }
  if (collected.method === 'qr') return { method: 'qr', amountFen: collected.qr.amountFen, channel: collected.qr.channel, channelTradeNo: collected.qr.channelTradeNo };
  if (collected.method === 'insurance') return { method: 'insurance', amountFen: 0 };
  const { cash } = collected;
  return { method: 'cash', amountFen: cash.insertedFen - cash.changeFen, insertedFen: cash.insertedFen, notes: cash.notes, changeFen: cash.changeFen };
}

/** All the money the patient handed over, which is what a PENDING slip must account for. */
function collectedFen(collected: Collected): number {
  if (collected.method === 'card') return collected.sale.amountFen;
  if (collected.method === 'insurance') return 0;
  return collected.method === 'qr' ? collected.qr.amountFen : collected.cash.insertedFen;
}

function qrFinal(answer: RpcResponse<QrPaymentResult> | undefined): boolean {
  const state = answer?.data?.state;
  return state === 'paid' || state === 'failed' || state === 'reversed' || (answer?.status === 'FAILED' && state === undefined);
}
