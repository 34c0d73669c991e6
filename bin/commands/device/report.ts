import fs from 'node:fs';
import path from 'node:path';
import { DeviceError, isDeviceError } from '../../../drivers/core/device-error.ts';
import { ReportPrinter } from '../../../drivers/report/driver.ts';
import { UsageError } from '../../exit.ts';
import type { DeviceActionContext, DeviceKind } from './action.ts';

/** The A4 printer is reached by URI, not by a port: `--printer ipp://host:631/ipp/print` or a CUPS queue's URI. */
function reportPrinter({ values, timeoutMs }: DeviceActionContext): ReportPrinter {
  const uri = values.printer;
  if (typeof uri !== 'string' || !uri) throw new UsageError('--printer URI is required (e.g. ipp://127.0.0.1:631/printers/report)');
  try {
    return new ReportPrinter(uri, { requestTimeoutMs: timeoutMs });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--printer: ${e.message}`);
    throw e;
  }
}

function readPdf(file: string | boolean | undefined): Buffer {
  if (typeof file !== 'string' || !file) throw new UsageError('--file PDF is required');
  let pdf: Buffer;
  try {
    pdf = fs.readFileSync(file);
  } catch (e) {
    throw new UsageError(`--file: cannot read ${file}: ${(e as Error).message}`);
  }
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new UsageError(`--file: ${file} is not a PDF`);
  return pdf;
}

const printer = { printer: { type: 'string' } } as const;

export const report: DeviceKind = {
  status: {
    usage: '--printer URI',
    summary: 'printer state and paper, from the printer itself over IPP',
    options: printer,
    run: async (ctx) => ({ result: { ...(await reportPrinter(ctx).status(ctx.signal)) } }),
  },
  print: {
    usage: '--printer URI --file PDF',
    summary: 'print a PDF and wait until the printer says the job completed (only that counts as printed)',
    options: { ...printer, file: { type: 'string' } },
    waits: true,
    defaultTimeoutS: 120,
    run: async (ctx) => {
      const unit = reportPrinter(ctx);
      const pdf = readPdf(ctx.values.file);
      try {
        const { job, state, printed } = await unit.print(pdf, { signal: ctx.signal, timeoutMs: ctx.timeoutMs });
        return { result: { job, state, printed } };
      } catch (e) {
        // --timeout ends the wait; for a print that is the printer being too slow, not the user leaving.
        if (isDeviceError(e, 'ABORTED') && ctx.signal.aborted) {
          throw new DeviceError('TIMEOUT', `not printed within ${ctx.timeoutMs / 1000} s`, e.detail);
        }
        throw e;
      }
    },
  },
  sample: {
    usage: '--out FILE',
    summary: 'write a sample lab report PDF (fictional patient) for a test print',
    options: { out: { type: 'string' } },
    run: async ({ values }) => {
      const out = values.out;
      if (typeof out !== 'string' || !out) throw new UsageError('--out FILE is required');
      let pdf: Buffer;
      try {
        // pdfkit and its fonts load only here: status and print do not need them.
        const { renderLabReport, sampleLabReport } = await import('../../../drivers/report/pdf.ts');
        pdf = await renderLabReport(sampleLabReport());
      } catch (e) {
        throw new UsageError(`cannot render the sample: ${(e as Error).message}`);
      }
      try {
        fs.writeFileSync(out, pdf);
      } catch (e) {
        throw new UsageError(`--out: cannot write ${out}: ${(e as Error).message}`);
      }
      return { result: { file: path.resolve(out), bytes: pdf.length } };
    },
  },
};
