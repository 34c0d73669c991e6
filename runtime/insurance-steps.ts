import type { InsuranceCredential } from '../contract/rpc.ts';
import { isDeviceError } from '../drivers/core/device-error.ts';
import type { QrScanner } from '../drivers/scanner/driver.ts';

/**
 * Waits for the patient's medical-insurance e-voucher (医保电子凭证) at the scanner. Its token is
 * a bearer credential the national platform reads: it goes to central in the pre-settle request
 * and nowhere else (never the journal, never a log). A payment code or anything else shown by
 * mistake is ignored, and the wait goes on until the flow stops it.
 */
export async function readVoucher(scanner: QrScanner, signal: AbortSignal, log: (msg: string, fields?: Record<string, unknown>) => void): Promise<InsuranceCredential> {
  for (;;) {
    try {
      const scan = await scanner.read({ signal, timeoutMs: 60_000 });
      if (scan.kind === 'insurance') return { certType: 'ecToken', certNo: scan.code };
      log('scanned code is not an insurance e-voucher; still waiting', { kind: scan.kind });
    } catch (e) {
      if (!isDeviceError(e) || e.code === 'ABORTED' || e.code === 'NOT_OPEN') throw e;
    }
  }
}
