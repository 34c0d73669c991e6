import type { OpArgs, ReceiptReprintResult, ReportFetchResult, ReportListResult } from '../../../contract/rpc.ts';
import { asking, ok, type OpContext } from '../context.ts';
import { runMoneySaga } from '../saga/money.ts';

export const reportOps = {
  'report.list': (ctx: OpContext, args: OpArgs<'report.list'>) =>
    asking(() => ctx.his.listReports(args), (r) => ok({ reports: r.reports.map(({ patientId: _, ...report }) => report) } satisfies ReportListResult)),

  /** The PDF travels as base64 in the answer: a lab report is one A4 page of about 20 kB. */
  'report.fetch': (ctx: OpContext, args: OpArgs<'report.fetch'>) =>
    asking(
      () => ctx.his.fetchReport(args),
      (d) =>
        ok({
          reportId: d.reportId, title: d.title, pdfBase64: d.pdf.toString('base64'), pages: d.pages, printed: d.printed, printCount: d.printCount,
          ...(d.printedAt ? { printedAt: d.printedAt } : {}),
        } satisfies ReportFetchResult),
    ),

  /** Hospitals limit reprints: the HIS counts each print, once per txnId. */
  'report.printed': (ctx: OpContext, args: OpArgs<'report.printed'>) => runMoneySaga(ctx, 'report.printed', { fn: 'markReportPrinted', request: args }),

  /** Any earlier trade's receipt, from the HIS's trade book, for a reprint (凭条补打). */
  'receipt.reprint': (ctx: OpContext, args: OpArgs<'receipt.reprint'>) =>
    asking(
      () => ctx.his.receiptData({ tradeNo: args.txnId, patientId: args.patientId }),
      ({ tradeNo, patientId: _, ...receipt }) => ok({ ...receipt, txnId: tradeNo } satisfies ReceiptReprintResult),
    ),
};
