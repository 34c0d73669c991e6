import { DeviceError, isDeviceError, type DeviceErrorCode } from '../core/device-error.ts';
import { openSerial, type ByteTransport } from '../core/serial-transport.ts';
import type { DeviceStatus } from '../core/status.ts';
import {
  ACK,
  NAK,
  PosFrameParser,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  type ModuleState,
  type PosMessage,
  type PosModuleStatus,
  type PosRequest,
  type PosResponse,
  type TransType,
} from './codec.ts';

/** What the patient is asked to do, from the module's progress frames (`P`). */
export type SaleStage = 'insertCard' | 'enterPin' | 'processing';

/** What the module answered; a decline or a cardholder cancel is a result, not an error. */
export interface CardPaymentResult {
  approved: boolean;
  transType: TransType;
  /** `00` approved; bank codes (`51`, `55`, …) or the module's own `X?` codes, docs/pos-framing.md §3 */
  respCode: string;
  respInfo: string;
  amountFen: number;
  rrn: string;
  trace: string;
  batch: string;
  authCode: string;
  panMasked: string;
  tid: string;
  mid: string;
  /** YYYY-MM-DD, or '' when the module gave none */
  settleDate: string;
  orderId: string;
}

/**
 * What `void` needs of the original sale: a whole CardPaymentResult will do. Only the trace is
 * required: without an amount the module voids the whole original as it recorded it.
 */
export interface VoidTarget {
  trace: string;
  rrn?: string;
  amountFen?: number;
  orderId?: string;
  authCode?: string;
  batch?: string;
}

/** A sale of an earlier, settled batch, found by its reference number (and settlement date). */
export interface RefundTarget {
  rrn: string;
  /** The original's settlement date, YYYY-MM-DD or YYYYMMDD; omitted, the module matches by rrn alone. */
  settleDate?: string;
  /** What to give back: at most what is left of the original after earlier refunds. */
  amountFen: number;
  /** Our id for this refund. */
  orderId: string;
}

/** A sale of the open batch to undo (冲正), named by our order id; the module finds its trace. */
export interface ReversalTarget {
  orderId: string;
  amountFen: number;
  /** When the host knows it, the module checks it. */
  trace?: string;
}

export interface PaymentModuleOptions {
  baudRate?: number;
  /** How long the module has to ACK a frame. */
  ackTimeoutMs?: number;
  /** Whole sale, void, refund or reversal, card and PIN included, from the request to the module's answer. */
  saleTimeoutMs?: number;
  /** queryLast and status, per attempt. */
  queryTimeoutMs?: number;
  /** 款台号 and operator id the acquirer files the transaction under. */
  counterId?: string;
  operatorId?: string;
}

export interface PaymentModuleStatus extends DeviceStatus {
  /** `unknown`: busy, and the module could not be asked (its line was in use) or did not say. */
  stage: SaleStage | 'idle' | 'unknown';
  /** The module's own state, from its status record: where a sale is in card reading and PIN entry. */
  module: ModuleState | 'unknown';
}

export interface CommandOptions {
  signal?: AbortSignal;
}

export interface SaleOptions extends CommandOptions {
  onProgress?: (stage: SaleStage) => void;
}

/** Module-local response code: busy with another transaction, docs/pos-framing.md §3. */
const RESP_BUSY = 'XB';
/** Sends of one frame before the NAK or silence is final, docs/pos-framing.md §1. */
const MAX_SENDS = 3;
/** Attempts of a command that is safe to repeat (queryLast, status, reversal). */
const MAX_REPEATS = 3;

const stageNames: Record<string, SaleStage> = {
  INSERT_CARD: 'insertCard',
  ENTER_PIN: 'enterPin',
  PROCESSING: 'processing',
};

const stageOfState: Record<ModuleState | 'unknown', SaleStage | 'idle' | 'unknown'> = {
  idle: 'idle',
  waitingCard: 'insertCard',
  readingCard: 'insertCard',
  waitingPin: 'enterPin',
  online: 'processing',
  unknown: 'unknown',
};

type Answer = Extract<PosMessage, { kind: 'result' | 'lastRecord' | 'moduleStatus' }>;
type LinkReply = 'ack' | 'nak' | 'frame' | 'timeout' | 'stopped';

/**
 * One request and its answer. `command` is the one command in flight; `poll` is a status request
 * sent while that command waits for the module (a sale can take a minute of card and PIN).
 */
type Slot = 'command' | 'poll';

interface Exchange {
  readonly request: PosRequest;
  readonly onProgress?: (stage: SaleStage) => void;
  done: boolean;
  /** The request reached the wire: from here on a money command's outcome may be unknown. */
  written: boolean;
  resolve(answer: Answer): void;
  reject(error: DeviceError): void;
}

/**
 * The bank card payment module (MIS-POS) on a serial line. The module reads the card and takes
 * the PIN; we send an amount and our transaction id and get back a masked PAN, a reference number
 * and an authorisation code. One command in flight, and a status poll beside it.
 */
export class PaymentModule {
  private readonly parser = new PosFrameParser();
  private readonly ackTimeoutMs: number;
  private readonly saleTimeoutMs: number;
  private readonly queryTimeoutMs: number;
  private readonly counterId: string;
  private readonly operatorId: string;
  private readonly slots: Record<Slot, Exchange | undefined> = { command: undefined, poll: undefined };
  /** The exchange whose frame is on the wire waiting for ACK: one per direction (§1). */
  private sending: { exchange: Exchange; reply?: (reply: LinkReply) => void } | undefined;
  /** Frames wait here for the one before them to be ACKed, NAKed out or given up on. */
  private linkTurn: Promise<void> = Promise.resolve();
  private stage: SaleStage | 'idle' = 'idle';

  static async open(path: string, options: PaymentModuleOptions = {}): Promise<PaymentModule> {
    const transport = await openSerial(path, { baudRate: options.baudRate ?? 9600, dataBits: 8, stopBits: 1, parity: 'none' });
    return new PaymentModule(transport, options);
  }

  constructor(
    private readonly transport: ByteTransport,
    options: PaymentModuleOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 1000;
    this.saleTimeoutMs = options.saleTimeoutMs ?? 120_000;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 5000;
    this.counterId = options.counterId ?? '';
    this.operatorId = options.operatorId ?? '';
    transport.onData((chunk) => this.receive(chunk));
    transport.onClose(() => this.failAll('TRANSPORT', 'the payment module port closed'));
  }

  /**
   * A TIMEOUT or ABORTED from a sale whose request reached the wire is an UNKNOWN outcome: the
   * module may have taken the money. It is never retried here, because a second sale could charge
   * the patient twice; the caller asks `queryLast()` and matches its orderId (DESIGN.md §1), or
   * undoes it with `reversal()`.
   */
  async sale(sale: { amountFen: number; orderId: string }, options: SaleOptions = {}): Promise<CardPaymentResult> {
    positiveFen(sale.amountFen);
    const request = this.request('sale', { amountFen: sale.amountFen, orderId: sale.orderId });
    const answer = await this.run(request, this.saleTimeoutMs, false, options);
    return toResult(answerOf(answer));
  }

  /** Undoes a sale of the open batch. Like a sale it moves money, so it is never retried either. */
  async void(original: VoidTarget, options: CommandOptions = {}): Promise<CardPaymentResult> {
    const request = this.request('void', {
      amountFen: original.amountFen ?? 0,
      oldTrace: original.trace,
      oldRrn: original.rrn ?? '',
      oldAuth: original.authCode ?? '',
      oldBatch: original.batch ?? '',
      orderId: original.orderId ?? '',
    });
    const answer = await this.run(request, this.saleTimeoutMs, false, options);
    return toResult(answerOf(answer));
  }

  /**
   * Gives back all or part of a sale whose batch is settled (a same-batch sale is voided instead:
   * the module answers `12`). Moves money, so never retried: a lost answer is read with queryLast.
   */
  async refund(target: RefundTarget, options: CommandOptions = {}): Promise<CardPaymentResult> {
    positiveFen(target.amountFen);
    const request = this.request('refund', {
      amountFen: target.amountFen,
      oldRrn: target.rrn,
      oldDate: (target.settleDate ?? '').replaceAll('-', ''),
      orderId: target.orderId,
    });
    const answer = await this.run(request, this.saleTimeoutMs, false, options);
    return toResult(answerOf(answer));
  }

  /**
   * 冲正: undoes the sale of `orderId` whatever became of it — the way out of an unknown outcome.
   * Approved means the money is back (now, or by an earlier reversal); `25` means there was no
   * approved sale to undo, so none was taken. A reversal is idempotent, so unlike a sale it is
   * resent on silence and repeated after a timeout.
   */
  async reversal(target: ReversalTarget, options: CommandOptions = {}): Promise<CardPaymentResult> {
    const request = this.request('reversal', { amountFen: target.amountFen, orderId: target.orderId, oldTrace: target.trace ?? '' });
    const answer = await repeated(() => this.run(request, this.saleTimeoutMs, true, options));
    return toResult(answerOf(answer));
  }

  /** The module's last transaction, or null when it has none. Read-only, so retried. */
  async queryLast(options: CommandOptions = {}): Promise<CardPaymentResult | null> {
    const answer = await this.query(this.request('queryLast', {}), options);
    const response = answerOf(answer);
    if (answer.kind === 'result') throw unexpected(response);
    return response.transType === 'queryLast' ? null : toResult(response);
  }

  /**
   * Never throws for an absent module: that is `offline`. During a sale the module is asked too,
   * so a kiosk sees card reading and PIN entry as they happen; when it cannot be asked (the line
   * is busy with the sale's own frame) the answer comes from memory.
   */
  async status(options: CommandOptions = {}): Promise<PaymentModuleStatus> {
    if (!this.transport.isOpen) return { status: 'offline', stage: 'idle', module: 'unknown' };
    if (this.slots.command) {
      const remembered: PaymentModuleStatus = { status: 'busy', stage: this.stage, module: 'unknown' };
      if (this.slots.poll || this.sending) return remembered;
      try {
        const answer = await this.run(this.request('status', {}), this.queryTimeoutMs, false, options, 'poll');
        return fromModuleStatus(statusOf(answer));
      } catch (e) {
        if (isDeviceError(e, 'ABORTED') || !isDeviceError(e)) throw e;
        return remembered;
      }
    }
    let answer: Answer;
    try {
      answer = await this.query(this.request('status', {}), options);
    } catch (e) {
      if (!isDeviceError(e) || e.code === 'ABORTED') throw e;
      return e.code === 'BUSY' ? { status: 'busy', stage: 'unknown', module: 'unknown' } : { status: 'offline', stage: 'idle', module: 'unknown' };
    }
    return fromModuleStatus(statusOf(answer));
  }

  async close(): Promise<void> {
    this.failAll('NOT_OPEN', 'the payment module was closed');
    await this.transport.close();
  }

  private request(transType: TransType, fields: Partial<PosRequest>): PosRequest {
    return {
      transType,
      amountFen: 0,
      oldTrace: '',
      oldDate: '',
      oldRrn: '',
      oldAuth: '',
      oldBatch: '',
      orderId: '',
      counterId: this.counterId,
      operatorId: this.operatorId,
      ...fields,
    };
  }

  private query(request: PosRequest, options: CommandOptions): Promise<Answer> {
    return repeated(async () => {
      const answer = await this.run(request, this.queryTimeoutMs, true, options);
      if (answer.kind === 'result' && answer.response.respCode === RESP_BUSY) {
        throw new DeviceError('BUSY', 'the payment module is busy with a transaction', { respCode: RESP_BUSY });
      }
      return answer;
    });
  }

  private async run(request: PosRequest, timeoutMs: number, resendOnSilence: boolean, options: SaleOptions, slot: Slot = 'command'): Promise<Answer> {
    const { signal, onProgress } = options;
    const what = { command: request.transType, orderId: request.orderId, outcome: 'notStarted' };
    if (!this.transport.isOpen) throw new DeviceError('NOT_OPEN', 'the payment module port is not open', what);
    const inFlight = this.slots[slot];
    if (inFlight) throw new DeviceError('BUSY', `a ${inFlight.request.transType} is in flight`, what);
    if (signal?.aborted) throw new DeviceError('ABORTED', `${request.transType} aborted before it was sent`, what);

    let exchange!: Exchange;
    const answer = new Promise<Answer>((resolve, reject) => {
      exchange = { request, onProgress, done: false, written: false, resolve, reject };
    });
    this.slots[slot] = exchange;
    const timer = setTimeout(() => this.fail(exchange, 'TIMEOUT', `no answer to ${request.transType} within ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => this.fail(exchange, 'ABORTED', `${request.transType} aborted`);
    signal?.addEventListener('abort', onAbort, { once: true });
    const frame = encodeFrame(encodeMessage({ kind: 'request', request }));
    this.linkTurn = this.linkTurn.then(() => this.send(exchange, frame, resendOnSilence)).catch((e: unknown) => this.fail(exchange, 'TRANSPORT', String(e)));
    try {
      return await answer;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.slots[slot] = undefined;
      if (slot === 'command') this.stage = 'idle';
    }
  }

  /**
   * Link layer: resend on NAK, since a NAKed frame was not taken. Resend on silence only where
   * asked: a sale the module took but whose ACK we missed must not be sent twice.
   */
  private async send(exchange: Exchange, frame: Buffer, resendOnSilence: boolean): Promise<void> {
    this.sending = { exchange };
    let reply: LinkReply = 'timeout';
    try {
      for (let sends = 0; sends < MAX_SENDS && !exchange.done; sends++) {
        try {
          await this.transport.write(frame);
        } catch (e) {
          return this.fail(exchange, isDeviceError(e) ? e.code : 'TRANSPORT', (e as Error).message);
        }
        exchange.written = true;
        reply = await this.linkReply();
        if (reply === 'ack' || reply === 'frame' || reply === 'stopped') return;
        if (reply === 'timeout' && !resendOnSilence) break;
      }
    } finally {
      this.sending = undefined;
    }
    if (reply === 'nak') {
      // Every send was refused, so the module never took the request: a definite outcome.
      exchange.written = false;
      this.fail(exchange, 'NAK', `the module refused the ${exchange.request.transType} frame ${MAX_SENDS} times`);
    } else {
      this.fail(exchange, 'TIMEOUT', `the module did not acknowledge the ${exchange.request.transType}`);
    }
  }

  private linkReply(): Promise<LinkReply> {
    const sending = this.sending!;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done('timeout'), this.ackTimeoutMs);
      const done = (reply: LinkReply) => {
        clearTimeout(timer);
        sending.reply = undefined;
        resolve(reply);
      };
      sending.reply = done;
    });
  }

  /** `detail.outcome` is what the caller must know first: did money possibly move? (docs/pos-framing.md §4) */
  private fail(exchange: Exchange, code: DeviceErrorCode, message: string): void {
    const { transType, orderId } = exchange.request;
    const outcome = moneyMoves(exchange.request) && exchange.written ? 'unknown' : 'notStarted';
    this.finish(exchange, new DeviceError(code, message, { command: transType, orderId, outcome }));
  }

  private failAll(code: DeviceErrorCode, message: string): void {
    for (const exchange of Object.values(this.slots)) if (exchange) this.fail(exchange, code, message);
  }

  private finish(exchange: Exchange, outcome: Answer | DeviceError): void {
    if (exchange.done) return;
    exchange.done = true;
    if (this.sending?.exchange === exchange) this.sending.reply?.('stopped');
    if (outcome instanceof DeviceError) exchange.reject(outcome);
    else exchange.resolve(outcome);
  }

  private receive(chunk: Buffer): void {
    for (const item of this.parser.push(chunk)) {
      if (item.kind === 'ack' || item.kind === 'nak') {
        this.sending?.reply?.(item.kind);
      } else if (item.kind === 'badFrame') {
        this.writeControl(NAK);
      } else {
        // Every good frame is ACKed, even one nobody waits for, or the module would resend it
        // and, for a sale's result, finally reverse the sale as undelivered.
        this.writeControl(ACK);
        // A frame from the module means it took our request even if its ACK was lost in noise.
        this.sending?.reply?.('frame');
        this.dispatch(decodeMessage(item.body));
      }
    }
  }

  private writeControl(byte: number): void {
    // A failed write shows up as the port closing, which fails the command in flight.
    this.transport.write(Buffer.of(byte)).catch(() => undefined);
  }

  private dispatch(message: PosMessage): void {
    const command = this.slots.command;
    switch (message.kind) {
      case 'progress': {
        const stage = stageNames[message.stage];
        if (stage && command && !command.done && command.request.transType === 'sale') {
          this.stage = stage;
          command.onProgress?.(stage);
        }
        return;
      }
      case 'moduleStatus': {
        const asker = this.slots.poll ?? (command?.request.transType === 'status' ? command : undefined);
        if (asker) this.finish(asker, message);
        return;
      }
      case 'invalid': {
        const victim = command ?? this.slots.poll;
        if (victim) this.fail(victim, 'PROTOCOL', `unreadable record from the module: ${message.reason}`);
        return;
      }
      case 'result':
      case 'lastRecord':
        if (command && answers(command.request, message)) this.finish(command, message);
      // Anything else is a late answer to a command we gave up on: queryLast is how it is read.
    }
  }
}

function positiveFen(amountFen: number): void {
  if (!Number.isSafeInteger(amountFen) || amountFen <= 0) {
    throw new RangeError(`amountFen must be a positive whole number of fen (got ${amountFen})`);
  }
}

/** Runs a command that is safe to repeat again after a link failure (TIMEOUT or NAK). */
async function repeated<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      const again = isDeviceError(e) && (e.code === 'TIMEOUT' || e.code === 'NAK');
      if (!again || n >= MAX_REPEATS) throw e;
    }
  }
}

function moneyMoves(request: PosRequest): boolean {
  return ['sale', 'void', 'refund', 'reversal'].includes(request.transType);
}

function answers(request: PosRequest, message: Extract<Answer, { kind: 'result' | 'lastRecord' }>): boolean {
  if (request.transType === 'queryLast') {
    return message.kind === 'lastRecord' || message.response.transType === 'queryLast';
  }
  return message.kind === 'result' && message.response.transType === request.transType && message.response.orderId === request.orderId;
}

function answerOf(answer: Answer): PosResponse {
  if (answer.kind === 'moduleStatus') throw new DeviceError('PROTOCOL', 'the module answered a transaction with a status record');
  return answer.response;
}

function statusOf(answer: Answer): PosModuleStatus {
  if (answer.kind !== 'moduleStatus') throw new DeviceError('PROTOCOL', 'the module answered status with a transaction record');
  return answer.status;
}

/** A module that reports a failed part cannot take a card, whatever it is doing. */
function fromModuleStatus(m: PosModuleStatus): PaymentModuleStatus {
  const base = { stage: stageOfState[m.state], module: m.state };
  if (m.respCode !== '00') return { status: 'hardwareError', ...base, respCode: m.respCode, respInfo: m.respInfo };
  if (m.state === 'idle') return { status: 'online', ...base, tid: m.tid, mid: m.mid, batch: m.batch };
  return { status: 'busy', ...base, orderId: m.orderId, amountFen: m.amountFen, ...(m.panMasked ? { panMasked: m.panMasked } : {}) };
}

function unexpected(response: PosResponse): DeviceError {
  return new DeviceError('DEVICE_REPORTED', `module answered ${response.respCode} ${response.respInfo}`, {
    respCode: response.respCode,
    respInfo: response.respInfo,
  });
}

function toResult(r: PosResponse): CardPaymentResult {
  const d = r.settleDate;
  return {
    approved: r.respCode === '00',
    transType: r.transType,
    respCode: r.respCode,
    respInfo: r.respInfo,
    amountFen: r.amountFen,
    rrn: r.rrn,
    trace: r.trace,
    batch: r.batch,
    authCode: r.authCode,
    panMasked: r.panMasked,
    tid: r.tid,
    mid: r.mid,
    settleDate: d.length === 8 ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : '',
    orderId: r.orderId,
  };
}
