import { DeviceError, type DeviceErrorCode } from '../core/device-error.ts';
import { openSerial, type ByteTransport } from '../core/serial-transport.ts';
import type { DeviceStatus } from '../core/status.ts';
import {
  ACK,
  NAK,
  PosFrameParser,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  type PosMessage,
  type PosRequest,
  type PosResponse,
  type TransType,
} from './codec.ts';

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

/** What `void` needs of the original sale: a whole CardPaymentResult will do. */
export interface VoidTarget {
  trace: string;
  rrn: string;
  amountFen: number;
  orderId: string;
  authCode?: string;
  batch?: string;
}

export interface PaymentModuleOptions {
  baudRate?: number;
  /** How long the module has to ACK a frame. */
  ackTimeoutMs?: number;
  /** Whole sale or void, card and PIN included, from the request to the module's answer. */
  saleTimeoutMs?: number;
  /** queryLast and status, per attempt. */
  queryTimeoutMs?: number;
  /** 款台号 and operator id the acquirer files the transaction under. */
  counterId?: string;
  operatorId?: string;
}

export interface PaymentModuleStatus extends DeviceStatus {
  /** `unknown`: the module says it is busy with a transaction this driver no longer waits for. */
  stage: SaleStage | 'idle' | 'unknown';
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
/** Attempts of a read-only command (queryLast, status). */
const MAX_QUERY_ATTEMPTS = 3;

const stageNames: Record<string, SaleStage> = {
  INSERT_CARD: 'insertCard',
  ENTER_PIN: 'enterPin',
  PROCESSING: 'processing',
};

type Answer = Extract<PosMessage, { kind: 'result' | 'lastRecord' }>;
type LinkReply = 'ack' | 'nak' | 'frame' | 'timeout' | 'stopped';

interface Command {
  readonly request: PosRequest;
  readonly onProgress?: (stage: SaleStage) => void;
  done: boolean;
  /** The request reached the wire: from here on a money command's outcome may be unknown. */
  written: boolean;
  link?: (reply: LinkReply) => void;
  resolve(answer: Answer): void;
  reject(error: DeviceError): void;
}

/**
 * The bank card payment module (MIS-POS) on a serial line. The module reads the card and takes
 * the PIN; we send an amount and our transaction id and get back a masked PAN, a reference number
 * and an authorisation code. One command in flight.
 */
export class PaymentModule {
  private readonly parser = new PosFrameParser();
  private readonly ackTimeoutMs: number;
  private readonly saleTimeoutMs: number;
  private readonly queryTimeoutMs: number;
  private readonly counterId: string;
  private readonly operatorId: string;
  private command: Command | undefined;
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
    transport.onClose(() => {
      if (this.command) this.fail(this.command, 'TRANSPORT', 'the payment module port closed');
    });
  }

  /**
   * A TIMEOUT or ABORTED from a sale whose request reached the wire is an UNKNOWN outcome: the
   * module may have taken the money. It is never retried here, because a second sale could charge
   * the patient twice; the caller asks `queryLast()` and matches its orderId (DESIGN.md §1).
   */
  async sale(sale: { amountFen: number; orderId: string }, options: SaleOptions = {}): Promise<CardPaymentResult> {
    if (!Number.isSafeInteger(sale.amountFen) || sale.amountFen <= 0) {
      throw new RangeError(`amountFen must be a positive whole number of fen (got ${sale.amountFen})`);
    }
    const request = this.request('sale', { amountFen: sale.amountFen, orderId: sale.orderId });
    const answer = await this.run(request, this.saleTimeoutMs, false, options);
    return toResult(answer.response);
  }

  /** Undoes a same-day sale. Like a sale it moves money, so it is never retried either. */
  async void(original: VoidTarget, options: CommandOptions = {}): Promise<CardPaymentResult> {
    const request = this.request('void', {
      amountFen: original.amountFen,
      oldTrace: original.trace,
      oldRrn: original.rrn,
      oldAuth: original.authCode ?? '',
      oldBatch: original.batch ?? '',
      orderId: original.orderId,
    });
    const answer = await this.run(request, this.saleTimeoutMs, false, options);
    return toResult(answer.response);
  }

  /** The module's last transaction, or null when it has none. Read-only, so retried. */
  async queryLast(options: CommandOptions = {}): Promise<CardPaymentResult | null> {
    const answer = await this.query(this.request('queryLast', {}), options);
    if (answer.kind === 'result') throw unexpected(answer.response);
    return answer.response.transType === 'queryLast' ? null : toResult(answer.response);
  }

  /** Never throws for an absent module: that is `offline`. Mid-command it answers from memory. */
  async status(options: CommandOptions = {}): Promise<PaymentModuleStatus> {
    if (this.command) return { status: 'busy', stage: this.stage };
    if (!this.transport.isOpen) return { status: 'offline', stage: 'idle' };
    let response: PosResponse;
    try {
      response = (await this.query(this.request('status', {}), options)).response;
    } catch (e) {
      if (!(e instanceof DeviceError) || e.code === 'ABORTED') throw e;
      return e.code === 'BUSY' ? { status: 'busy', stage: 'unknown' } : { status: 'offline', stage: 'idle' };
    }
    if (response.respCode === '00') return { status: 'online', stage: 'idle', tid: response.tid, mid: response.mid };
    return { status: 'hardwareError', stage: 'idle', respCode: response.respCode, respInfo: response.respInfo };
  }

  async close(): Promise<void> {
    if (this.command) this.fail(this.command, 'NOT_OPEN', 'the payment module was closed');
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

  private async query(request: PosRequest, options: CommandOptions): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.run(request, this.queryTimeoutMs, true, options);
        if (answer.kind === 'result' && answer.response.respCode === RESP_BUSY) {
          throw new DeviceError('BUSY', 'the payment module is busy with a transaction', { respCode: RESP_BUSY });
        }
        return answer;
      } catch (e) {
        const retryable = e instanceof DeviceError && (e.code === 'TIMEOUT' || e.code === 'NAK');
        if (!retryable || attempt >= MAX_QUERY_ATTEMPTS) throw e;
      }
    }
  }

  private async run(request: PosRequest, timeoutMs: number, resendOnSilence: boolean, options: SaleOptions): Promise<Answer> {
    const { signal, onProgress } = options;
    const what = { command: request.transType, orderId: request.orderId, outcome: 'notStarted' };
    if (!this.transport.isOpen) throw new DeviceError('NOT_OPEN', 'the payment module port is not open', what);
    if (this.command) throw new DeviceError('BUSY', `a ${this.command.request.transType} is in flight`, what);
    if (signal?.aborted) throw new DeviceError('ABORTED', `${request.transType} aborted before it was sent`, what);

    let command!: Command;
    const answer = new Promise<Answer>((resolve, reject) => {
      command = { request, onProgress, done: false, written: false, resolve, reject };
    });
    this.command = command;
    const timer = setTimeout(() => this.fail(command, 'TIMEOUT', `no answer to ${request.transType} within ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => this.fail(command, 'ABORTED', `${request.transType} aborted`);
    signal?.addEventListener('abort', onAbort, { once: true });
    void this.send(command, encodeFrame(encodeMessage({ kind: 'request', request })), resendOnSilence);
    try {
      return await answer;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.command = undefined;
      this.stage = 'idle';
    }
  }

  /**
   * Link layer: resend on NAK, since a NAKed frame was not taken. Resend on silence only where
   * asked: a sale the module took but whose ACK we missed must not be sent twice.
   */
  private async send(command: Command, frame: Buffer, resendOnSilence: boolean): Promise<void> {
    let reply: LinkReply = 'timeout';
    for (let sends = 0; sends < MAX_SENDS && !command.done; sends++) {
      try {
        await this.transport.write(frame);
      } catch (e) {
        return this.fail(command, e instanceof DeviceError ? e.code : 'TRANSPORT', (e as Error).message);
      }
      command.written = true;
      reply = await this.linkReply(command);
      if (reply === 'ack' || reply === 'frame' || reply === 'stopped') return;
      if (reply === 'timeout' && !resendOnSilence) break;
    }
    if (reply === 'nak') {
      // Every send was refused, so the module never took the request: a definite outcome.
      command.written = false;
      this.fail(command, 'NAK', `the module refused the ${command.request.transType} frame ${MAX_SENDS} times`);
    } else {
      this.fail(command, 'TIMEOUT', `the module did not acknowledge the ${command.request.transType}`);
    }
  }

  private linkReply(command: Command): Promise<LinkReply> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done('timeout'), this.ackTimeoutMs);
      const done = (reply: LinkReply) => {
        clearTimeout(timer);
        command.link = undefined;
        resolve(reply);
      };
      command.link = done;
    });
  }

  /** `detail.outcome` is what the caller must know first: did money possibly move? (docs/pos-framing.md §4) */
  private fail(command: Command, code: DeviceErrorCode, message: string): void {
    const { transType, orderId } = command.request;
    const outcome = moneyMoves(command.request) && command.written ? 'unknown' : 'notStarted';
    this.finish(command, new DeviceError(code, message, { command: transType, orderId, outcome }));
  }

  private finish(command: Command, outcome: Answer | DeviceError): void {
    if (command.done) return;
    command.done = true;
    command.link?.('stopped');
    if (outcome instanceof DeviceError) command.reject(outcome);
    else command.resolve(outcome);
  }

  private receive(chunk: Buffer): void {
    for (const item of this.parser.push(chunk)) {
      if (item.kind === 'ack' || item.kind === 'nak') {
        this.command?.link?.(item.kind);
      } else if (item.kind === 'badFrame') {
        this.writeControl(NAK);
      } else {
        // Every good frame is ACKed, even one nobody waits for, or the module would resend it.
        this.writeControl(ACK);
        // A frame from the module means it took our request even if its ACK was lost in noise.
        this.command?.link?.('frame');
        this.dispatch(decodeMessage(item.body));
      }
    }
  }

  private writeControl(byte: number): void {
    // A failed write shows up as the port closing, which fails the command in flight.
    this.transport.write(Buffer.of(byte)).catch(() => undefined);
  }

  private dispatch(message: PosMessage): void {
    const command = this.command;
    if (!command || command.done) return;
    if (message.kind === 'progress') {
      const stage = stageNames[message.stage];
      if (stage && command.request.transType === 'sale') {
        this.stage = stage;
        command.onProgress?.(stage);
      }
    } else if (message.kind === 'invalid') {
      this.fail(command, 'PROTOCOL', `unreadable record from the module: ${message.reason}`);
    } else if (message.kind !== 'request' && answers(command.request, message)) {
      this.finish(command, message);
    }
    // Anything else is a late answer to a command we gave up on: queryLast is how it is read.
  }
}

function moneyMoves(request: PosRequest): boolean {
  return request.transType === 'sale' || request.transType === 'void' || request.transType === 'refund';
}

function answers(request: PosRequest, message: Answer): boolean {
  if (request.transType === 'queryLast') {
    return message.kind === 'lastRecord' || message.response.transType === 'queryLast';
  }
  return (
    message.kind === 'result' &&
    message.response.transType === request.transType &&
    message.response.orderId === request.orderId
  );
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
