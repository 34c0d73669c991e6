import type { SerialOptions } from '../core/serial-transport.ts';
import type { DeviceSimulator, SimulatorControl, SimulatorEvent } from '../core/simulator.ts';
import {
  ACK,
  NAK,
  PosFrameParser,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  type PosRequest,
  type PosResponse,
  type TransType,
} from './codec.ts';

/**
 * The bank card payment module (MIS-POS) with its bank behind it, speaking docs/pos-framing.md on
 * the module's side of a pty. A sale goes through its stages on its own, then waits for a person
 * (or `auto`) to say what the bank answered. It keeps its own ledger, so a test can assert what
 * the bank did, independently of what the kiosk heard.
 */

export interface PaymentModuleSimulatorOptions {
  /** Decide every sale without a person; default null: wait for approve / decline / cancel. */
  auto?: 'approve' | 'decline' | null;
  /** From reaching `processing` to the automatic answer. */
  autoDelayMs?: number;
  /** Between insertCard, enterPin and processing: the patient inserting the card and typing. */
  stageDelayMs?: number;
  now?: () => Date;
}

export interface LedgerRecord {
  transType: 'sale' | 'void';
  approved: boolean;
  respCode: string;
  respInfo: string;
  amountFen: number;
  orderId: string;
  /** '' when the transaction never reached the bank (cardholder cancel) */
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
  /** A void's original sale. */
  originalTrace?: string;
  /** False when the module went silent instead of answering (`silent`). */
  answered: boolean;
}

type Decision = { kind: 'approve' } | { kind: 'decline'; code: string } | { kind: 'cancel' } | { kind: 'silent' };

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
  XB: '设备忙',
  XC: '持卡人取消',
};

const stages = ['INSERT_CARD', 'ENTER_PIN', 'PROCESSING'] as const;
const MID = '898310148160001';
const TID = '10000001';
const BATCH = '000001';
/** A test card; the simulator never holds more of a card number than a receipt may print. */
const PAN_MASKED = '622848******1234';
const ACK_TIMEOUT_MS = 500;
const MAX_SENDS = 3;

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
  private sale: { request: PosRequest; stage: number; timer?: NodeJS.Timeout } | undefined;
  private nextTrace = 1;
  private offline = false;
  private silentArmed = false;
  private garbleArmed = false;
  private readonly counters = { framesSent: 0, naksReceived: 0, naksSent: 0 };
  /** Frames towards the driver; the head is on the wire until ACKed. */
  private readonly outbox: Buffer[] = [];
  private sends = 0;
  private ackTimer: NodeJS.Timeout | undefined;

  constructor(options: PaymentModuleSimulatorOptions = {}) {
    this.auto = options.auto ?? null;
    this.autoDelayMs = options.autoDelayMs ?? 300;
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

  ledger(): { sales: number; declines: number; voids: number; records: LedgerRecord[] } {
    const sales = this.records.filter((r) => r.transType === 'sale');
    return {
      sales: sales.filter((r) => r.approved).length,
      declines: sales.filter((r) => !r.approved).length,
      voids: this.records.filter((r) => r.transType === 'void' && r.approved).length,
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
    if (this.sale) return this.answer(request, this.blank(request, 'XB'));
    switch (request.transType) {
      case 'sale':
        return this.startSale(request);
      case 'void':
        return this.voidSale(request);
      case 'queryLast': {
        const last = this.records.at(-1);
        const body = last ? toResponse(last) : this.blank(request, '25');
        return this.transmit(encodeMessage({ kind: 'lastRecord', response: body }));
      }
      case 'status':
        return this.answer(request, { ...this.blank(request, '00'), respInfo: '就绪' });
      case 'refund':
        return this.answer(request, this.blank(request, '40'));
    }
  }

  private startSale(request: PosRequest): void {
    if (request.amountFen <= 0) return this.answer(request, this.blank(request, '13'));
    this.sale = { request, stage: 0 };
    this.progress(0);
    this.scheduleStage();
  }

  private scheduleStage(): void {
    const sale = this.sale!;
    if (sale.stage < stages.length - 1) {
      sale.timer = setTimeout(() => {
        sale.stage++;
        this.progress(sale.stage);
        this.scheduleStage();
      }, this.stageDelayMs);
    } else if (this.silentArmed) {
      this.decide({ kind: 'silent' });
    } else if (this.auto) {
      const decision: Decision = this.auto === 'approve' ? { kind: 'approve' } : { kind: 'decline', code: '51' };
      sale.timer = setTimeout(() => this.decide(decision), this.autoDelayMs);
    }
  }

  private progress(stage: number): void {
    this.transmit(encodeMessage({ kind: 'progress', stage: stages[stage]! }));
    this.emit({ event: 'pos', action: 'stage', stage: stages[stage] });
  }

  /** The bank's answer (or the cardholder's cancel) for the sale in progress. */
  private decide(decision: Decision): void {
    const sale = this.sale;
    if (!sale) throw new Error('no sale in progress');
    clearTimeout(sale.timer);
    // The bank is only asked once the card and PIN are in: play the stages the patient skipped.
    if (decision.kind !== 'cancel') while (sale.stage < stages.length - 1) this.progress(++sale.stage);
    this.sale = undefined;
    if (decision.kind === 'silent') this.silentArmed = false;
    const request = sale.request;
    const respCode = decision.kind === 'decline' ? decision.code : decision.kind === 'cancel' ? 'XC' : '00';
    const record =
      decision.kind === 'cancel'
        ? { ...this.unsent(request, respCode), transType: 'sale' as const }
        : this.banked('sale', request, respCode);
    record.answered = decision.kind !== 'silent';
    this.records.push(record);
    if (record.answered) this.answer(request, toResponse(record));
    this.emit({
      event: 'pos',
      action: 'sale',
      approved: record.approved,
      respCode,
      amountFen: record.amountFen,
      orderId: record.orderId,
      trace: record.trace,
      answered: record.answered,
    });
  }

  private voidSale(request: PosRequest): void {
    const original = this.records.find((r) => r.transType === 'sale' && r.approved && r.trace === request.oldTrace);
    let respCode = '00';
    if (!original) respCode = '25';
    else if (original.voided || original.settleDate !== this.clock().settleDate) respCode = '12';
    else if (original.amountFen !== request.amountFen) respCode = '13';
    const record = { ...this.banked('void', request, respCode), originalTrace: request.oldTrace };
    if (original && record.approved) {
      original.voided = true;
      record.authCode = original.authCode;
      record.panMasked = original.panMasked;
    }
    this.records.push(record);
    this.answer(request, toResponse(record));
    this.emit({
      event: 'pos',
      action: 'void',
      approved: record.approved,
      respCode,
      amountFen: record.amountFen,
      orderId: record.orderId,
      trace: record.trace,
      originalTrace: request.oldTrace,
    });
  }

  /** A transaction the bank saw: it takes a trace number and a reference number. */
  private banked(transType: 'sale' | 'void', request: PosRequest, respCode: string): LedgerRecord {
    const trace = String(this.nextTrace++).padStart(6, '0');
    const { date, time, settleDate } = this.clock();
    const approved = respCode === '00';
    return {
      ...this.unsent(request, respCode),
      transType,
      trace,
      batch: BATCH,
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
      panMasked: PAN_MASKED,
      settleDate: '',
      date,
      time,
      voided: false,
      answered: true,
    };
  }

  /** A response that is about the request, not about a card transaction. */
  private blank(request: PosRequest, respCode: string): PosResponse {
    return {
      ...toResponse({ ...this.unsent(request, respCode), panMasked: '' }),
      transType: request.transType,
    };
  }

  private answer(request: PosRequest, response: PosResponse): void {
    this.transmit(encodeMessage({ kind: 'result', response: { ...response, transType: request.transType, orderId: request.orderId } }));
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

  private transmit(body: Buffer): void {
    this.outbox.push(body);
    if (this.outbox.length === 1) this.sendHead();
  }

  private sendHead(): void {
    const body = this.outbox[0];
    if (!body) return;
    const frame = encodeFrame(body);
    if (this.garbleArmed) {
      this.garbleArmed = false;
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
      this.outbox.shift();
      this.sends = 0;
    }
    this.sendHead();
  }

  private emit(event: SimulatorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private makeControls(): SimulatorControl[] {
    const needSale = () => {
      if (!this.sale) throw new Error('no sale in progress');
    };
    return [
      {
        name: 'approve',
        usage: 'approve',
        help: 'the bank approves the sale in progress',
        run: () => {
          needSale();
          this.decide({ kind: 'approve' });
        },
      },
      {
        name: 'decline',
        usage: 'decline [code]',
        help: 'the bank declines the sale in progress (default 51, insufficient funds)',
        run: ([code = '51']) => {
          if (!/^[0-9A-Z]{2}$/.test(code) || code === '00') throw new Error(`decline code must be two characters, not 00 (got ${code})`);
          needSale();
          this.decide({ kind: 'decline', code });
        },
      },
      {
        name: 'cancel',
        usage: 'cancel',
        help: 'the cardholder presses cancel on the PIN pad (XC)',
        run: () => {
          needSale();
          this.decide({ kind: 'cancel' });
        },
      },
      {
        name: 'silent',
        usage: 'silent',
        help: 'the bank approves the sale in progress (or the next one) but the module never answers',
        run: () => {
          this.silentArmed = true;
          if (this.sale && this.sale.stage === stages.length - 1) this.decide({ kind: 'silent' });
          return { armed: this.silentArmed };
        },
      },
      {
        name: 'auto',
        usage: 'auto approve|decline|off [delayMs]',
        help: 'decide every sale without a person',
        run: ([mode, delay]) => {
          if (mode !== 'approve' && mode !== 'decline' && mode !== 'off') throw new Error('usage: auto approve|decline|off [delayMs]');
          if (delay !== undefined && !/^\d+$/.test(delay)) throw new Error(`delayMs must be a whole number (got ${delay})`);
          this.auto = mode === 'off' ? null : mode;
          if (delay !== undefined) this.autoDelayMs = Number(delay);
          return { auto: this.auto, autoDelayMs: this.autoDelayMs };
        },
      },
      {
        name: 'garble',
        usage: 'garble',
        help: "corrupt the next frame's LRC once",
        run: () => {
          this.garbleArmed = true;
        },
      },
      { name: 'ledger', usage: 'ledger', help: "the module's ledger as JSON", run: () => this.ledger() },
      { name: 'state', usage: 'state', help: 'stage, modes and link counters', run: () => this.state() },
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
    return {
      stage: this.sale ? stages[this.sale.stage] : 'IDLE',
      orderId: this.sale?.request.orderId ?? null,
      auto: this.auto,
      autoDelayMs: this.autoDelayMs,
      offline: this.offline,
      silentArmed: this.silentArmed,
      garbleArmed: this.garbleArmed,
      ...this.counters,
    };
  }
}

function toResponse(r: LedgerRecord): PosResponse {
  const transType: TransType = r.transType;
  return {
    transType,
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
