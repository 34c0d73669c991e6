import { HisError, type ReportDocument, type ReportPrinted, type ReportPrintedRequest, type ReportQuery, type ReportSummary, type ReportType } from '../port.ts';
import { write, type SimContext } from './context.ts';
import { renderLabReport, type LabReportContent } from './report-pdf.ts';
import { nowIso, receiptNo, runTrade } from './trades.ts';
import { assertText } from './validate.ts';

interface ReportRow {
  reportId: string;
  patientId: string;
  type: ReportType;
  title: string;
  deptName: string;
  reportedAt: string | null;
  results: string;
  pdf: Buffer | null;
  pages: number | null;
  printCount: number;
  printedAt: string | null;
}

const reportSelect = `SELECT r.report_id AS reportId, r.patient_id AS patientId, r.type, r.title, dp.name AS deptName, r.reported_at AS reportedAt,
  r.results, r.pdf, r.pages, r.print_count AS printCount, r.printed_at AS printedAt FROM reports r JOIN departments dp USING (dept_id)`;

function summary(row: ReportRow): ReportSummary {
  return {
    reportId: row.reportId, patientId: row.patientId, type: row.type, title: row.title, deptName: row.deptName,
    state: row.reportedAt === null ? 'pending' : 'ready', ...(row.reportedAt !== null ? { reportedAt: row.reportedAt } : {}),
    printCount: row.printCount, ...(row.printedAt !== null ? { printedAt: row.printedAt } : {}),
  };
}

export function listReports(ctx: SimContext, patientId: string): { reports: ReportSummary[] } {
  assertText(patientId, 'patientId');
  if (!ctx.db.prepare('SELECT 1 FROM patients WHERE patient_id = ?').get(patientId)) throw new HisError('NOT_FOUND', 'no such patient', { patientId });
  const rows = ctx.db.prepare<[string], ReportRow>(`${reportSelect} WHERE r.patient_id = ? ORDER BY r.reported_at IS NULL, r.reported_at DESC, r.report_id`).all(patientId);
  return { reports: rows.map(summary) };
}

/** The patient's own ready report; another patient's is NOT_FOUND, as if it did not exist. */
function readyReport(ctx: SimContext, query: ReportQuery): ReportRow & { reportedAt: string } {
  assertText(query.reportId, 'reportId');
  assertText(query.patientId, 'patientId');
  const row = ctx.db.prepare<[string], ReportRow>(`${reportSelect} WHERE r.report_id = ?`).get(query.reportId);
  if (!row || row.patientId !== query.patientId) throw new HisError('NOT_FOUND', 'no such report for this patient', { reportId: query.reportId });
  if (row.reportedAt === null) throw new HisError('NOT_ALLOWED', 'the report is not ready yet', { reportId: query.reportId });
  return row as ReportRow & { reportedAt: string };
}

/** Age in whole years on the report day, as a lab prints it. */
function ageOn(birthDate: string, day: string): number {
  const years = Number(day.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return day.slice(5, 10) < birthDate.slice(5, 10) ? years - 1 : years;
}

async function render(ctx: SimContext, row: ReportRow & { reportedAt: string }): Promise<{ pdf: Buffer; pages: number }> {
  const patient = ctx.db
    .prepare<[string], { name: string; sex: 'male' | 'female'; birthDate: string }>('SELECT name, sex, birth_date AS birthDate FROM patients WHERE patient_id = ?')
    .get(row.patientId)!;
  const hospital = JSON.parse(ctx.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'hospital'").get()!.value) as { name: string };
  const content: LabReportContent = {
    hospitalName: hospital.name, reportId: row.reportId, title: row.title, deptName: row.deptName, patientId: row.patientId,
    patientName: patient.name, sex: patient.sex, age: ageOn(patient.birthDate, row.reportedAt), reportedAt: row.reportedAt,
    results: JSON.parse(row.results) as LabReportContent['results'],
  };
  return renderLabReport(content);
}

/** Renders the PDF on first fetch and keeps it, so every fetch returns the same document. */
export async function fetchReport(ctx: SimContext, query: ReportQuery): Promise<ReportDocument> {
  let row = readyReport(ctx, query);
  if (row.pdf === null) {
    const { pdf, pages } = await render(ctx, row);
    write(ctx, () => ctx.db.prepare('UPDATE reports SET pdf = ?, pages = ? WHERE report_id = ? AND pdf IS NULL').run(pdf, pages, row.reportId));
    row = readyReport(ctx, query);
  }
  return {
    reportId: row.reportId, title: row.title, pdf: row.pdf!, pages: row.pages!, printed: row.printCount > 0, printCount: row.printCount,
    ...(row.printedAt !== null ? { printedAt: row.printedAt } : {}),
  };
}

export function markReportPrinted(ctx: SimContext, request: ReportPrintedRequest): ReportPrinted {
  assertText(request.reportId, 'reportId');
  assertText(request.patientId, 'patientId');
  return runTrade(ctx, 'markReportPrinted', request.tradeNo, request, () => {
    const row = readyReport(ctx, request);
    const printedAt = nowIso(ctx);
    ctx.db.prepare('UPDATE reports SET print_count = print_count + 1, printed_at = ? WHERE report_id = ?').run(printedAt, row.reportId);
    const hisReceiptNo = receiptNo(ctx, 'DY');
    return {
      result: { reportId: row.reportId, printCount: row.printCount + 1, printedAt }, patientId: row.patientId, hisReceiptNo, paidFen: 0, refundFen: 0, settledAt: printedAt,
      receipt: { title: '报告打印记录', fields: [{ label: '报告', value: `${row.title} ${row.reportId}` }], lines: [], totalFen: 0 },
    };
  });
}
