import { ulid } from 'ulid';
import type { OpName, ReportFetchResult, ReportListResult, ReportPrintedResult, RpcResponse } from '../contract/rpc.ts';
import { scaled } from '../contract/time-scale.ts';
import { isDeviceError } from '../drivers/core/device-error.ts';
import type { ReportPrinter } from '../drivers/report/driver.ts';
import type { PrintSummary, ReportEntry } from '../machines/reports.ts';
import type { KioskConfig } from './config.ts';
import type { Journal, JournalEntry } from './journal/journal.ts';
import type { Link } from './link.ts';

export interface ReportDeps {
  config: KioskConfig;
  journal: Journal;
  link: Link;
  printer: ReportPrinter;
  afterRecord: () => void;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** How long one report may take to come out of the A4 printer before the kiosk gives up on it. */
const PRINT_TIMEOUT_MS = scaled(120_000);

/**
 * Lab and exam reports on the A4 printer (issue 5 §8). Only a job the printer reports completed
 * counts: then, and only then, the HIS is told it was printed, so a report lost to a paper jam can
 * still be printed again. Each attempt and outcome is a journal fact.
 */
export class ReportSteps {
  constructor(private readonly d: ReportDeps) {}

  private record(entry: JournalEntry): void {
    this.d.journal.record(entry);
    this.d.afterRecord();
  }

  private async ask<D>(op: OpName, args: Record<string, unknown>, txnId?: string): Promise<D> {
    const r: RpcResponse<D> = await this.d.link.rpc<D>({ op, args, txnId, timeoutMs: this.d.config.timeouts.rpcMs });
    if (r.status !== 'OK' || r.data === undefined) throw new Error(r.message ?? r.code ?? r.status);
    return r.data;
  }

  async list(patientId: string): Promise<ReportEntry[]> {
    const { reports } = await this.ask<ReportListResult>('report.list', { patientId });
    return reports.map((r) => ({ reportId: r.reportId, title: r.title, deptName: r.deptName, printable: r.state === 'ready' && r.printCount === 0, printed: r.printCount > 0 }));
  }

  /**
   * The paper is out: the HIS must hear it, asked a few times under one txnId (idempotent). If it
   * still does not answer, the journal fact above reaches central through the outbox anyway.
   */
  private async tellPrinted(reportId: string, patientId: string): Promise<void> {
    const txnId = ulid();
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.ask<ReportPrintedResult>('report.printed', { reportId, patientId }, txnId);
        return;
      } catch (e) {
        this.d.log('HIS not told of a printed report yet', { reportId, attempt, error: (e as Error).message });
      }
    }
    this.record({ type: 'report.printed.untold', data: { reportId, txnId } });
  }

  async printAll(patientId: string, reports: ReportEntry[]): Promise<PrintSummary> {
    const summary: PrintSummary = { printed: [], failed: [] };
    for (const report of reports) {
      try {
        const fetched = await this.ask<ReportFetchResult>('report.fetch', { reportId: report.reportId, patientId });
        // Central says it was printed meanwhile (another kiosk, a window): not again.
        if (fetched.printed) {
          summary.failed.push({ title: report.title, reason: 'already printed' });
          continue;
        }
        this.record({ type: 'report.print.intent', data: { reportId: report.reportId, pages: fetched.pages } });
        const job = await this.d.printer.print(Buffer.from(fetched.pdfBase64, 'base64'), { timeoutMs: PRINT_TIMEOUT_MS });
        this.record({ type: 'report.print.result', data: { reportId: report.reportId, job: job.job, state: job.state } });
        summary.printed.push(report.title);
        await this.tellPrinted(report.reportId, patientId);
      } catch (e) {
        const reason = isDeviceError(e) ? e.code : (e as Error).message;
        this.record({ type: 'report.print.failed', data: { reportId: report.reportId, reason } });
        this.d.log('report not printed', { reportId: report.reportId, reason });
        summary.failed.push({ title: report.title, reason });
      }
    }
    return summary;
  }
}
