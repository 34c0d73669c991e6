import type { QrPaymentResult, RpcResponse } from '../contract/rpc.ts';
import { isDeviceError } from '../drivers/core/device-error.ts';
import { maskCode, type ScannedCode } from '../drivers/scanner/codec.ts';
import type { QrScanner } from '../drivers/scanner/driver.ts';
import type { QrOutcome } from '../machines/types.ts';
import type { KioskConfig } from './config.ts';
import type { Journal, JournalEntry } from './journal/journal.ts';
import { RpcNoAnswer, type Link } from './link.ts';

export interface QrDeps {
  config: KioskConfig;
  journal: Journal;
  link: Link;
  scanner: QrScanner;
  afterRecord: () => void;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Paying with the patient's WeChat or Alipay payment code (DESIGN.md §6 pay): the kiosk reads the
 * code, central collects it and owns the "user paying" query loop and any reversal; the kiosk only
 * waits, and asks again when an answer is lost. A payment code is a bearer credential: it goes to
 * central once, in the RPC, and is masked everywhere else.
 */
export class QrSteps {
  constructor(private readonly d: QrDeps) {}

  private record(entry: JournalEntry): void {
    this.d.journal.record(entry);
    this.d.afterRecord();
  }

  /** The next payment code shown to the scanner; anything else (an insurance code, garbage) is ignored. */
  async scan(signal: AbortSignal): Promise<ScannedCode & { kind: 'wechat' | 'alipay' }> {
    for (;;) {
      try {
        const scan = await this.d.scanner.read({ signal, timeoutMs: 60_000 });
        if (scan.kind === 'wechat' || scan.kind === 'alipay') return scan as ScannedCode & { kind: 'wechat' | 'alipay' };
        this.d.log('scanned code is not a payment code; still waiting', { kind: scan.kind });
      } catch (e) {
        if (!isDeviceError(e) || e.code === 'ABORTED' || e.code === 'NOT_OPEN') throw e;
      }
    }
  }

  async collect(txnId: string, amountFen: number, scan: ScannedCode & { kind: 'wechat' | 'alipay' }): Promise<QrOutcome> {
    this.record({ type: 'qr.pay.intent', txnId, data: { channel: scan.kind, code: maskCode(scan.code), amountFen } });
    const until = Date.now() + this.d.config.timeouts.settleDeadlineMs + this.d.config.timeouts.rpcMs;
    let answer: RpcResponse<QrPaymentResult> | undefined;
    try {
      answer = await this.d.link.rpc<QrPaymentResult>({ op: 'payment.qr.pay', txnId, args: { authCode: scan.code, amountFen }, timeoutMs: this.d.config.timeouts.settleDeadlineMs });
    } catch (e) {
      if (!(e instanceof RpcNoAnswer)) throw e;
    }
    // A lost answer or a payment still in progress: central's record decides, asked until the deadline.
    while (!final(answer) && Date.now() < until) {
      await sleep(1000);
      try {
        answer = await this.d.link.rpc<QrPaymentResult>({ op: 'payment.qr.query', args: { txnId }, timeoutMs: this.d.config.timeouts.rpcMs });
      } catch (e) {
        if (!(e instanceof RpcNoAnswer)) throw e;
      }
    }
    return this.outcome(txnId, amountFen, answer);
  }

  private outcome(txnId: string, amountFen: number, answer: RpcResponse<QrPaymentResult> | undefined): QrOutcome {
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
      this.record({ type: 'txn.closed', txnId, close: 'ABANDONED', data: { state: 'ABANDONED', reason: `QR ${r?.state ?? 'refused'}` } });
      return { state: 'failed', reason };
    }
    // Unknown: the patient may have paid. Central's saga goes on; the slip says so and the money is PENDING.
    const reason = r?.reason ?? answer?.message ?? 'no final answer from central';
    this.record({ type: 'qr.pay.result', txnId, money: { collected: amountFen }, data: { state: 'unknown', reason } });
    this.record({ type: 'txn.closed', txnId, close: 'PENDING', money: { pending: amountFen }, data: { state: 'PENDING', reason } });
    return { state: 'pending', reason };
  }
}

function final(answer: RpcResponse<QrPaymentResult> | undefined): boolean {
  const state = answer?.data?.state;
  return state === 'paid' || state === 'failed' || state === 'reversed' || (answer?.status === 'FAILED' && state === undefined);
}
