import type { QrPaymentResult, RpcResponse } from '../contract/rpc.ts';
import { isDeviceError } from '../drivers/core/device-error.ts';
import { maskCode, type ScannedCode } from '../drivers/scanner/codec.ts';
import type { QrScanner } from '../drivers/scanner/driver.ts';
import type { QrOutcome } from '../machines/types.ts';
import type { KioskConfig } from './config.ts';
import type { Journal, JournalEntry } from './journal/journal.ts';
import { RpcNoAnswer, type Link } from './link.ts';
import type { PaymentSteps } from './payment-steps.ts';

export interface QrDeps {
  config: KioskConfig;
  journal: Journal;
  link: Link;
  scanner: QrScanner;
  steps: PaymentSteps;
  afterRecord: () => void;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

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
    let answer: RpcResponse<QrPaymentResult> | undefined;
    try {
      answer = await this.d.link.rpc<QrPaymentResult>({ op: 'payment.qr.pay', txnId, args: { authCode: scan.code, amountFen }, timeoutMs: this.d.config.timeouts.settleDeadlineMs });
    } catch (e) {
      if (!(e instanceof RpcNoAnswer)) throw e;
    }
    return this.d.steps.awaitQr(txnId, amountFen, answer);
  }
}
