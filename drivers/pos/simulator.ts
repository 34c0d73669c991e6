import type { SerialOptions } from '../core/serial-transport.ts';
import type { DeviceSimulator, SimulatorControl, SimulatorEvent } from '../core/simulator.ts';
import {
  ACK,
  NAK,
  PosFrameParser,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  maskPan,
  moduleStateWords,
  type ModuleState,
  type PosModuleStatus,
  type PosRequest,
  type PosResponse,
} from './codec.ts';

/**
 * The bank card payment module (MIS-POS) with its bank behind it, speaking docs/pos-framing.md on
 * the module's side of a pty. A sale moves through the module's own states — waiting for a card,
 * reading it, waiting for the PIN, asking the bank — each on a control (`insert`, `pin`, then
 * `approve` / `decline`), or all by themselves in `auto` mode. It keeps its own ledger, so a test
 * can assert what the bank did, independently of what the kiosk heard.
 */

export interface PaymentModuleSimulatorOptions {
  /** Run every sale without a person: card in, PIN typed, bank answers. Default null: each step waits for its control. */
  auto?: 'approve' | 'decline' | null;
  /** From reaching the bank (`online`) to the automatic answer. */
  autoDelayMs?: number;
  /** The module reading a card; in auto mode also each step of the patient (card in, PIN typed). */
  stageDelayMs?: number;
  now?: () => Date;
}

type LedgerTransType = 'sale' | 'void' | 'refund' | 'reversal';

export interface LedgerRecord {
  transType: LedgerTransType;
  approved: boolean;
  respCode: string;
  respInfo: string;
  amountFen: number;
  orderId: string;
  /** '' when the transaction never reached the bank (cardholder cancel, unreadable card, refused locally) */
  trace: string;
  batch: string;
  rrn: string;
  authCode: string;
  panMasked: string;
  /** YYYYMMDD */
  settleDate: string;
  date: string;
  time: string;
  /** A sale undone by a void. */
  voided: boolean;
  /** A sale undone by a reversal (冲正). */
  reversed: boolean;
  /** A sale: how much of it refunds have given back. */
  refundedFen: number;
  /** A void's or reversal's original sale. */
  originalTrace?: string;
  /** A refund's original sale. */
  originalRrn?: string;
  /** Why a reversal was made: the host asked, or the module did it on its own. */
  reason?: 'requested' | 'resultUndelivered' | 'bankTimeout';
  /** False when the module went silent instead of answering (`silent`). */
  answered: boolean;
}

type SaleState = Exclude<ModuleState, 'idle'>;
type Decision = { kind: 'approve' } | { kind: 'decline'; code: string } | { kind: 'cancel' } | { kind: 'silent' } | { kind: 'bankTimeout' };
type Part = 'reader' | 'pinpad';

// docs/pos-framing.md §3. Numeric codes are the bank's (ISO 8583 field 39); X? are the module's.
const respInfos: Record<string, string> = {
  '00': '交易成功',
  '05': '不予承兑',
  '12': '无效交易',
  '13': '无效金额',
  '25': '找不到原始交易',
  '40': '不支持的交易',
  '51': '余额不足',
  '55': '密码错误',
  '98': '交易超时已冲正',
  XB: '设备忙',
  XC: '持卡人取消',
  XF: '设备故障',
  XR: '读卡失败',
};
const partInfos: Record<Part, string> = { reader: '读卡器故障', pinpad: '密码键盘故障' };

/** The progress word (§2.3) a state announces to the patient; reading a card shows no new prompt. */
const progressWords: Partial<Record<SaleState, string>> = { waitingCard: 'INSERT_CARD', waitingPin: 'ENTER_PIN', online: 'PROCESSING' };
const nextState: Record<Exclude<SaleState, 'online'>, SaleState> = { waitingCard: 'readingCard', readingCard: 'waitingPin', waitingPin: 'online' };

const MID = '898310148160001';
const TID = '10000001';
/** The card `insert` and `auto` use; the module never holds more of a card number than a receipt may print. */
const TEST_CARD_MASKED = '622848******1234';
const ACK_TIMEOUT_MS = 500;
/** The bank's answer in auto mode, in production time: `zizhu sim pos` runs it at the time scale. */
export const defaultAutoDelayMs = 300;
const MAX_SENDS = 3;

interface SaleInProgress {
  request: PosRequest;
  state: SaleState;
  panMasked: string;
  timer?: NodeJS.Timeout;
}

interface Outgoing {
  body: Buffer;
  /** Called when every send went unACKed: the host never got this frame. */
  undelivered?: () => void;
}

export class PaymentModuleSimulator implements DeviceSimulator {
  readonly kind = 'pos';
  readonly serial: SerialOptions = { baudRate: 9600, dataBits: 8, stopBits: 1, parity: 'none' };
  readonly controls: readonly SimulatorControl[];

  private send: ((bytes: Buffer) => void) | undefined;
  private readonly parser = new PosFrameParser();
  private readonly listeners: ((event: SimulatorEvent) => void)[] = [];
  private readonly records: LedgerRecord[] = [];
  private readonly now: () => Date;
  private auto: 'approve' | 'decline' | null;
  private autoDelayMs: number;
  private readonly stageDelayMs: number;
  private sale: SaleInProgress | undefined;
  private nextTrace = 1;
  private batch = 1;
  private offline = false;
  private failedPart: Part | null = null;
  private readonly armed = { silent: false, garble: false, bankTimeout: false, readFail: false };
  private readonly counters = { framesSent: 0, naksReceived: 0, naksSent: 0 };
  /** Frames towards the driver; the head is on the wire until ACKed. */
  private readonly outbox: Outgoing[] = [];
  private sends = 0;
  private ackTimer: NodeJS.Timeout | undefined;

  constructor(options: PaymentModuleSimulatorOptions = {}) {
    this.auto = options.auto ?? null;
    this.autoDelayMs = options.autoDelayMs ?? defaultAutoDelayMs;
    this.stageDelayMs = options.stageDelayMs ?? 500;
    this.now = options.now ?? (() => new Date());
    this.controls = this.makeControls();
  }

  attach(send: (bytes: Buffer) => void): void {
    this.send = send;
  }

  onEvent(listener: (event: SimulatorEvent) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    clearTimeout(this.sale?.timer);
    clearTimeout(this.ackTimer);
    this.outbox.length = 0;
    this.sends = 0;
  }

  ledger() {
    const of = (t: LedgerTransType) => this.records.filter((r) => r.transType === t);
    const sales = of('sale');
    const approved = (t: LedgerTransType) => of(t).filter((r) => r.approved);
    return {
      batch: this.batchNo(),
      sales: sales.filter((r) => r.approved).length,
      declines: sales.filter((r) => !r.approved).length,
      voids: approved('void').length,
      refunds: approved('refund').length,
      reversals: approved('reversal').length,
      refundedFen: approved('refund').reduce((sum, r) => sum + r.amountFen, 0),
      /** What the bank holds from cardholders: approved sales neither voided nor reversed, less refunds. */
      heldFen: sales.filter((r) => r.approved && !r.voided && !r.reversed).reduce((sum, r) => sum + r.amountFen - r.refundedFen, 0),
      records: this.records.map((r) => ({ ...r })),
    };
  }

  receive(chunk: Buffer): void {
    // An offline module is unplugged or powered off: nothing it hears is answered.
    if (this.offline) return;
    for (const item of this.parser.push(chunk)) {
      if (item.kind === 'ack') this.linkReply('ack');
      else if (item.kind === 'nak') {
        this.counters.naksReceived++;
        this.linkReply('nak');
      } else if (item.kind === 'badFrame') {
        this.counters.naksSent++;
        this.send?.(Buffer.of(NAK));
      } else {
        this.send?.(Buffer.of(ACK));
        const message = decodeMessage(item.body);
        if (message.kind === 'request') this.handle(message.request);
      }
    }
  }

  private handle(request: PosRequest): void {
    // Status is the one request a module takes mid-transaction: it is how the host watches one.
    if (request.transType === 'status') return this.transmit({ body: encodeMessage({ kind: 'moduleStatus', status: this.moduleStatus() }) });
    if (this.sale) return this.answer(request, this.blank(request, 'XB'));
    switch (request.transType) {
      case 'sale':
        return this.startSale(request);
      case 'void':
        return this.voidSale(request);
      case 'refund':
        return this.refund(request);
      case 'reversal':
        return this.reverseRequested(request);
      case 'queryLast': {
        const last = this.records.at(-1);
        const body = last ? toResponse(last) : this.blank(request, '25');
        return this.transmit({ body: encodeMessage({ kind: 'lastRecord', response: body }) });
      }
    }
  }

  private moduleStatus(): PosModuleStatus {
    const sale = this.sale;
    return {
      respCode: this.failedPart ? 'XF' : '00',
      respInfo: this.failedPart ? partInfos[this.failedPart] : sale ? '交易中' : '就绪',
      state: sale?.state ?? 'idle',
      panMasked: sale?.panMasked ?? '',
      amountFen: sale?.request.amountFen ?? 0,
      orderId: sale?.request.orderId ?? '',
      batch: this.batchNo(),
      mid: MID,
      tid: TID,
    };
  }

  // ---- a sale through the module's states ----

  private startSale(request: PosRequest): void {
    if (request.amountFen <= 0) return this.answer(request, this.blank(request, '13'));
    if (this.failedPart) {
      // A module that cannot read a card or take a PIN refuses at once; the bank is never asked.
      const record = { ...this.unsent(request, 'XF'), respInfo: partInfos[this.failedPart] };
      this.records.push(record);
      return this.answer(request, toResponse(record));
    }
    this.sale = { request, state: 'waitingCard', panMasked: '' };
    this.enter('waitingCard');
  }

  private enter(state: SaleState, schedule = true): void {
    const sale = this.sale!;
    sale.state = state;
    const word = progressWords[state];
    if (word) this.progress(word);
    this.emit({ event: 'pos', action: 'state', state, orderId: sale.request.orderId, ...(sale.panMasked ? { panMasked: sale.panMasked } : {}) });
    if (schedule) this.scheduleNext();
  }

  /** What happens next without a control: the card read always; the patient's steps and the bank in auto mode. */
  private scheduleNext(): void {
    const sale = this.sale;
    if (!sale) return;
    clearTimeout(sale.timer);
    sale.timer = undefined;
    const later = (ms: number, step: () => void) => (sale.timer = setTimeout(step, ms));
    switch (sale.state) {
      case 'waitingCard':
        if (this.auto) later(this.stageDelayMs, () => this.insertCard(TEST_CARD_MASKED));
        return;
      case 'readingCard':
        later(this.stageDelayMs, () => this.cardRead());
        return;
      case 'waitingPin':
        if (this.auto) later(this.stageDelayMs, () => this.enter('online'));
        return;
      case 'online':
        if (this.armed.silent) this.decide({ kind: 'silent' });
        else if (this.armed.bankTimeout) this.decide({ kind: 'bankTimeout' });
        else if (this.auto) later(this.autoDelayMs, () => this.decide(this.auto === 'approve' ? { kind: 'approve' } : { kind: 'decline', code: '51' }));
    }
  }

  private insertCard(panMasked: string): void {
    this.sale!.panMasked = panMasked;
    this.enter('readingCard');
  }

  private cardRead(): void {
    if (!this.armed.readFail) return this.enter('waitingPin');
    this.armed.readFail = false;
    this.conclude(this.unsent(this.sale!.request, 'XR'));
  }

  /** The bank's answer (or the cardholder's cancel) for the sale in progress. */
  private decide(decision: Decision): void {
    const sale = this.sale;
    if (!sale) throw new Error('no sale in progress');
    if (decision.kind === 'cancel') {
      if (sale.state === 'online') throw new Error('the bank is already being asked; too late to cancel');
      return this.conclude({ ...this.unsent(sale.request, 'XC'), panMasked: sale.panMasked });
    }
    // The bank is only asked once the card and PIN are in: play the steps the patient skipped.
    clearTimeout(sale.timer);
    if (!sale.panMasked) sale.panMasked = TEST_CARD_MASKED;
    while (sale.state !== 'online') this.enter(nextState[sale.state], false);
    if (decision.kind === 'silent') this.armed.silent = false;
    if (decision.kind === 'bankTimeout') this.armed.bankTimeout = false;
    const respCode = decision.kind === 'decline' ? decision.code : decision.kind === 'bankTimeout' ? '98' : '00';
    const record = { ...this.banked('sale', sale.request, respCode), panMasked: sale.panMasked };
    // No answer from the bank: the module cannot know whether it approved, so it reverses by trace
    // before it tells the host 98.
    const first = decision.kind === 'bankTimeout' ? () => this.reverse(record, 'bankTimeout') : undefined;
    this.conclude(record, decision.kind !== 'silent', first);
  }

  private conclude(record: LedgerRecord, answered = true, beforeAnswer?: () => void): void {
    const sale = this.sale!;
    clearTimeout(sale.timer);
    this.sale = undefined;
    record.answered = answered;
    this.records.push(record);
    this.emit({
      event: 'pos',
      action: 'sale',
      approved: record.approved,
      respCode: record.respCode,
      amountFen: record.amountFen,
      orderId: record.orderId,
      trace: record.trace,
      panMasked: record.panMasked,
      answered,
    });
    beforeAnswer?.();
    if (!answered) return;
    // A result the host never takes is a sale it will never honour: the module reverses it.
    const undelivered = record.approved ? () => this.reverse(record, 'resultUndelivered') : undefined;
    this.answer(sale.request, toResponse(record), undelivered);
  }

  // ---- undoing money: void, refund, reversal ----

  private voidSale(request: PosRequest): void {
    const original = this.records.find((r) => r.transType === 'sale' && r.approved && r.trace === request.oldTrace);
    // Without an amount the technician voids by trace alone: the whole original, as recorded.
    const amountFen = request.amountFen || original?.amountFen || 0;
    let respCode = '00';
    if (!original) respCode = '25';
    else if (original.voided || original.reversed || original.refundedFen > 0 || !this.inOpenBatch(original)) respCode = '12';
    else if (original.amountFen !== amountFen) respCode = '13';
    const record = { ...this.banked('void', { ...request, amountFen }, respCode), originalTrace: request.oldTrace };
    if (original && record.approved) {
      original.voided = true;
      record.authCode = original.authCode;
      record.panMasked = original.panMasked;
      if (!record.orderId) record.orderId = original.orderId;
    }
    this.records.push(record);
    this.answer(request, toResponse(record));
    this.emit({ event: 'pos', action: 'void', approved: record.approved, respCode, amountFen, orderId: record.orderId, trace: record.trace, originalTrace: request.oldTrace });
  }

  /** A refund gives back all or part of a sale of a closed batch; what is left of it is the limit. */
  private refund(request: PosRequest): void {
    const original = this.records.find(
      (r) => r.transType === 'sale' && r.approved && r.rrn === request.oldRrn && (request.oldDate === '' || r.settleDate === request.oldDate),
    );
    let respCode = '00';
    if (!original) respCode = '25';
    else if (original.voided || original.reversed || this.inOpenBatch(original)) respCode = '12';
    else if (request.amountFen <= 0 || request.amountFen > original.amountFen - original.refundedFen) respCode = '13';
    const record = { ...this.banked('refund', request, respCode), originalRrn: request.oldRrn };
    if (original && record.approved) {
      original.refundedFen += request.amountFen;
      record.panMasked = original.panMasked;
    }
    this.records.push(record);
    this.answer(request, toResponse(record));
    this.emit({ event: 'pos', action: 'refund', approved: record.approved, respCode, amountFen: request.amountFen, orderId: request.orderId, trace: record.trace, originalRrn: request.oldRrn });
  }

  /**
   * The host's 冲正 of the sale of an order. Idempotent: a sale already reversed answers with that
   * reversal again, so a host may repeat the request until it hears an answer.
   */
  private reverseRequested(request: PosRequest): void {
    const original = this.records.findLast(
      (r) => r.transType === 'sale' && r.trace !== '' && r.orderId === request.orderId && (request.oldTrace === '' || r.trace === request.oldTrace),
    );
    const done = original?.reversed && this.records.findLast((r) => r.transType === 'reversal' && r.approved && r.originalTrace === original.trace);
    if (done) return this.answer(request, toResponse(done));
    let respCode = '';
    if (!original || !original.approved) respCode = '25';
    else if (original.voided || original.refundedFen > 0 || !this.inOpenBatch(original)) respCode = '12';
    else if (original.amountFen !== request.amountFen) respCode = '13';
    if (respCode) {
      const refused: LedgerRecord = { ...this.unsent(request, respCode), transType: 'reversal', originalTrace: request.oldTrace };
      this.records.push(refused);
      return this.answer(request, toResponse(refused));
    }
    this.answer(request, toResponse(this.reverse(original!, 'requested')));
  }

  /** Reverses a sale by its trace: the bank files the reversal under the original's trace and reference. */
  private reverse(original: LedgerRecord, reason: NonNullable<LedgerRecord['reason']>): LedgerRecord {
    const { date, time } = this.clock();
    original.reversed = true;
    const record: LedgerRecord = {
      ...original,
      transType: 'reversal',
      approved: true,
      respCode: '00',
      respInfo: '冲正成功',
      authCode: '',
      date,
      time,
      voided: false,
      reversed: false,
      refundedFen: 0,
      originalTrace: original.trace,
      reason,
      answered: reason === 'requested',
    };
    this.records.push(record);
    this.emit({ event: 'pos', action: 'reversal', reason, amountFen: record.amountFen, orderId: record.orderId, trace: original.trace });
    return record;
  }

  private inOpenBatch(record: LedgerRecord): boolean {
    return record.batch === this.batchNo() && record.settleDate === this.clock().settleDate;
  }

  private batchNo(): string {
    return String(this.batch).padStart(6, '0');
  }

  /** A transaction the bank saw: it takes a trace number and a reference number. */
  private banked(transType: LedgerTransType, request: PosRequest, respCode: string): LedgerRecord {
    const trace = String(this.nextTrace++).padStart(6, '0');
    const { date, time, settleDate } = this.clock();
    const approved = respCode === '00';
    return {
      ...this.unsent(request, respCode),
      transType,
      trace,
      batch: this.batchNo(),
      rrn: time + trace,
      authCode: approved ? String((Number(trace) * 7919) % 1_000_000).padStart(6, '0') : '',
      settleDate,
      date,
      time,
    };
  }

  private unsent(request: PosRequest, respCode: string): LedgerRecord {
    const { date, time } = this.clock();
    return {
      transType: 'sale',
      approved: respCode === '00',
      respCode,
      respInfo: respInfos[respCode] ?? '交易失败',
      amountFen: request.amountFen,
      orderId: request.orderId,
      trace: '',
      batch: '',
      rrn: '',
      authCode: '',
      panMasked: '',
      settleDate: '',
      date,
      time,
      voided: false,
      reversed: false,
      refundedFen: 0,
      answered: true,
    };
  }

  /** A response that is about the request, not about a card transaction. */
  private blank(request: PosRequest, respCode: string): PosResponse {
    return {
      ...toResponse(this.unsent(request, respCode)),
      transType: request.transType,
    };
  }

  private answer(request: PosRequest, response: PosResponse, undelivered?: () => void): void {
    const body = encodeMessage({ kind: 'result', response: { ...response, transType: request.transType, orderId: request.orderId } });
    this.transmit({ body, undelivered });
  }

  private progress(word: string): void {
    this.transmit({ body: encodeMessage({ kind: 'progress', stage: word }) });
    this.emit({ event: 'pos', action: 'stage', stage: word });
  }

  /** Asia/Shanghai, the acquirer's business day (DESIGN.md §1); no cut-off in the simulator. */
  private clock(): { date: string; time: string; settleDate: string } {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', {
        timeZone: 'Asia/Shanghai',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(this.now())
        .map((p) => [p.type, p.value]),
    );
    return {
      date: `${parts.month}${parts.day}`,
      time: `${parts.hour}${parts.minute}${parts.second}`,
      settleDate: `${parts.year}${parts.month}${parts.day}`,
    };
  }

  // ---- link layer, docs/pos-framing.md §1 ----

  private transmit(frame: Outgoing): void {
    this.outbox.push(frame);
    if (this.outbox.length === 1) this.sendHead();
  }

  private sendHead(): void {
    const head = this.outbox[0];
    if (!head) return;
    const frame = encodeFrame(head.body);
    if (this.armed.garble) {
      this.armed.garble = false;
      frame[frame.length - 1]! ^= 0xff;
    }
    this.sends++;
    this.counters.framesSent++;
    this.send?.(frame);
    this.ackTimer = setTimeout(() => this.linkReply('timeout'), ACK_TIMEOUT_MS);
  }

  private linkReply(reply: 'ack' | 'nak' | 'timeout'): void {
    if (this.outbox.length === 0) return;
    clearTimeout(this.ackTimer);
    if (reply === 'ack' || this.sends >= MAX_SENDS) {
      const head = this.outbox.shift()!;
      this.sends = 0;
      if (reply !== 'ack') head.undelivered?.();
    }
    this.sendHead();
  }

  private emit(event: SimulatorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private makeControls(): SimulatorControl[] {
    const saleIn = (...states: SaleState[]): SaleInProgress => {
      if (!this.sale) throw new Error('no sale in progress');
      if (states.length > 0 && !states.includes(this.sale.state)) throw new Error(`the module is ${this.sale.state}, not ${states.join(' or ')}`);
      return this.sale;
    };
    const arm = (name: keyof typeof this.armed, usage: string, help: string): SimulatorControl => ({
      name: usage,
      usage,
      help,
      run: () => {
        this.armed[name] = true;
        // A sale already at the bank meets its fault now; any other waits for its moment.
        if (this.sale?.state === 'online') this.scheduleNext();
        return { armed: this.armed[name] };
      },
    });
    return [
      {
        name: 'insert',
        usage: 'insert [cardNumber]',
        help: 'the cardholder inserts a card (default: the test card); the module reads it, then asks for the PIN',
        run: ([cardNumber]) => {
          saleIn('waitingCard');
          if (cardNumber !== undefined && !/^\d{12,19}$/.test(cardNumber)) throw new Error('card number must be 12 to 19 digits');
          // Masked on arrival: the module keeps no more of a card number than a receipt shows.
          this.insertCard(cardNumber === undefined ? TEST_CARD_MASKED : maskPan(cardNumber));
          return { state: this.sale!.state, panMasked: this.sale!.panMasked };
        },
      },
      {
        name: 'pin',
        usage: 'pin',
        help: 'the cardholder types the PIN and presses enter; the module asks the bank',
        run: () => {
          saleIn('waitingPin');
          this.enter('online');
          return { state: this.sale?.state ?? 'idle' };
        },
      },
      {
        name: 'approve',
        usage: 'approve',
        help: 'the bank approves the sale in progress (steps the patient skipped are played first)',
        run: () => {
          saleIn();
          this.decide({ kind: 'approve' });
        },
      },
      {
        name: 'decline',
        usage: 'decline [code]',
        help: 'the bank declines the sale in progress (default 51, insufficient funds)',
        run: ([code = '51']) => {
          if (!/^[0-9A-Z]{2}$/.test(code) || code === '00') throw new Error(`decline code must be two characters, not 00 (got ${code})`);
          saleIn();
          this.decide({ kind: 'decline', code });
        },
      },
      {
        name: 'cancel',
        usage: 'cancel',
        help: 'the cardholder presses cancel on the PIN pad (XC), before the bank is asked',
        run: () => {
          saleIn();
          this.decide({ kind: 'cancel' });
        },
      },
      arm('silent', 'silent', 'the bank approves the sale in progress (or the next one) but the module never answers'),
      arm('bankTimeout', 'bank-timeout', 'the bank never answers the sale in progress (or the next one): the module reverses it by trace and answers 98'),
      arm('readFail', 'readfail', 'the next card cannot be read (XR); the bank is never asked'),
      arm('garble', 'garble', "corrupt the next frame's LRC once"),
      {
        name: 'fault',
        usage: 'fault reader|pinpad|none',
        help: 'a part of the module fails: status reports it (XF) and sales are refused until none',
        run: ([part]) => {
          if (part !== 'reader' && part !== 'pinpad' && part !== 'none') throw new Error('usage: fault reader|pinpad|none');
          this.failedPart = part === 'none' ? null : part;
          return { fault: this.failedPart };
        },
      },
      {
        name: 'auto',
        usage: 'auto approve|decline|off [delayMs]',
        help: 'run every sale without a person: test card, PIN, and the bank answers after delayMs',
        run: ([mode, delay]) => {
          if (mode !== 'approve' && mode !== 'decline' && mode !== 'off') throw new Error('usage: auto approve|decline|off [delayMs]');
          if (delay !== undefined && !/^\d+$/.test(delay)) throw new Error(`delayMs must be a whole number (got ${delay})`);
          this.auto = mode === 'off' ? null : mode;
          if (delay !== undefined) this.autoDelayMs = Number(delay);
          if (this.sale) this.scheduleNext();
          return { auto: this.auto, autoDelayMs: this.autoDelayMs };
        },
      },
      {
        name: 'settle',
        usage: 'settle',
        help: "close the day's batch (结算): its sales can no longer be voided, only refunded",
        run: () => {
          if (this.sale) throw new Error('a sale is in progress; settle after it');
          const closed = this.batchNo();
          const sales = this.records.filter((r) => r.transType === 'sale' && r.approved && r.batch === closed && !r.voided && !r.reversed);
          this.batch++;
          const totals = { closedBatch: closed, batch: this.batchNo(), sales: sales.length, amountFen: sales.reduce((sum, r) => sum + r.amountFen, 0) };
          this.emit({ event: 'pos', action: 'settle', ...totals });
          return totals;
        },
      },
      { name: 'ledger', usage: 'ledger', help: "the module's ledger as JSON", run: () => this.ledger() },
      { name: 'state', usage: 'state', help: 'module state, modes, armed faults and link counters', run: () => this.state() },
      {
        name: 'offline',
        usage: 'offline on|off',
        help: 'unplug the module: it hears and says nothing; a sale not yet at the bank is lost',
        run: ([mode]) => {
          if (mode !== 'on' && mode !== 'off') throw new Error('usage: offline on|off');
          this.offline = mode === 'on';
          if (this.offline) {
            this.stop();
            this.sale = undefined;
          }
          return { offline: this.offline };
        },
      },
    ];
  }

  private state(): Record<string, unknown> {
    const state: ModuleState = this.sale?.state ?? 'idle';
    return {
      stage: moduleStateWords[state],
      state,
      orderId: this.sale?.request.orderId ?? null,
      panMasked: this.sale?.panMasked || null,
      batch: this.batchNo(),
      auto: this.auto,
      autoDelayMs: this.autoDelayMs,
      offline: this.offline,
      fault: this.failedPart,
      silentArmed: this.armed.silent,
      garbleArmed: this.armed.garble,
      bankTimeoutArmed: this.armed.bankTimeout,
      readFailArmed: this.armed.readFail,
      ...this.counters,
    };
  }
}

function toResponse(r: LedgerRecord): PosResponse {
  return {
    transType: r.transType,
    respCode: r.respCode,
    respInfo: r.respInfo,
    panMasked: r.panMasked,
    amountFen: r.amountFen,
    trace: r.trace,
    batch: r.batch,
    date: r.date,
    time: r.time,
    rrn: r.rrn,
    authCode: r.authCode,
    mid: MID,
    tid: TID,
    settleDate: r.settleDate,
    orderId: r.orderId,
  };
}
