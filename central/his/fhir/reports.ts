import type { Attachment, DiagnosticReport, Task } from '@medplum/fhirtypes';
import { HisError, type ReportDocument, type ReportPrinted, type ReportPrintedRequest, type ReportQuery, type ReportSummary, type ReportType } from '../port.ts';
import { assertText } from '../sim/validate.ts';
import type { FhirContext } from './context.ts';
import { isPatient, requirePatient, type FoundPatient } from './patients.ts';
import { codes, extensions } from './systems.ts';
import { nowIso, receiptNo, runTrade, type TradePlan } from './trades.ts';
import { extension, identifierValue, localIso, unreadable } from './values.ts';

/**
 * Reports: `DiagnosticReport?subject=` with the PDF in `presentedForm` (inline `data`, or a `url`
 * to a Binary). FHIR has no "printed" flag and a clinical report should not change for a print,
 * so each print is its trade record, a `Task` (code `markReportPrinted`, focus = the report): the
 * count and the time of the last print are read from those.
 */

const ready = new Set<DiagnosticReport['status']>(['final', 'amended', 'corrected', 'appended']);
const pending = new Set<DiagnosticReport['status']>(['registered', 'partial', 'preliminary']);
/** HL7 v2 table 0074 diagnostic sections that are imaging. */
const imaging = new Set(['RAD', 'CT', 'MR', 'NMR', 'NMS', 'US', 'RX', 'VUS', 'CUS', 'OUS']);

function typeOf(report: DiagnosticReport): ReportType {
  const sections = (report.category ?? []).flatMap((c) => c.coding ?? []).filter((c) => c.system === codes.diagnosticSection).map((c) => c.code ?? '');
  if (sections.includes('LAB') || sections.some((s) => ['HM', 'CH', 'MB', 'SP', 'IMM', 'SR', 'BLB'].includes(s))) return 'LAB';
  return sections.some((s) => imaging.has(s)) ? 'IMAGING' : 'EXAM';
}

interface Prints {
  count: number;
  lastAt?: string;
}

async function printsOf(ctx: FhirContext, reports: DiagnosticReport[]): Promise<Map<string, Prints>> {
  const prints = new Map<string, Prints>();
  if (reports.length === 0) return prints;
  const tasks = await ctx.fhir.search<Task>('Task', {
    focus: reports.map((r) => `DiagnosticReport/${r.id}`).join(','),
    code: `${codes.task}|markReportPrinted`,
  });
  for (const t of tasks) {
    const id = t.focus?.reference?.split('/').at(-1) ?? '';
    const at = localIso(t.authoredOn, 'a print time');
    const seen = prints.get(id) ?? { count: 0 };
    prints.set(id, { count: seen.count + 1, lastAt: seen.lastAt === undefined || at > seen.lastAt ? at : seen.lastAt });
  }
  return prints;
}

function summary(ctx: FhirContext, report: DiagnosticReport, patientId: string, prints: Prints | undefined): ReportSummary {
  const reportId = identifierValue(report, ctx.systems.reportId);
  if (!reportId) throw unreadable(`DiagnosticReport/${report.id} has no report number`);
  const isReady = ready.has(report.status);
  return {
    reportId, patientId, type: typeOf(report), title: report.code.text ?? report.code.coding?.[0]?.display ?? '', deptName: report.performer?.[0]?.display ?? '',
    state: isReady ? 'ready' : 'pending', ...(isReady ? { reportedAt: localIso(report.issued, `the issue time of ${reportId}`) } : {}),
    printCount: prints?.count ?? 0, ...(prints?.lastAt !== undefined ? { printedAt: prints.lastAt } : {}),
  };
}

async function reportsOf(ctx: FhirContext, patient: FoundPatient): Promise<DiagnosticReport[]> {
  const found = await ctx.fhir.search<DiagnosticReport>('DiagnosticReport', { subject: patient.handle.reference });
  return found.filter((r) => ready.has(r.status) || pending.has(r.status));
}

export async function listReports(ctx: FhirContext, patientId: string): Promise<{ reports: ReportSummary[] }> {
  const patient = await requirePatient(ctx, patientId);
  const found = await reportsOf(ctx, patient);
  const prints = await printsOf(ctx, found);
  const reports = found.map((r) => summary(ctx, r, patient.handle.patientId, prints.get(r.id!)));
  // Ready ones first, newest first, as the lab lists them.
  reports.sort((a, b) => (a.reportedAt === undefined ? 1 : 0) - (b.reportedAt === undefined ? 1 : 0) || (b.reportedAt ?? '').localeCompare(a.reportedAt ?? '') || a.reportId.localeCompare(b.reportId));
  return { reports };
}

/** The patient's own ready report; another patient's is NOT_FOUND, as if it did not exist. */
async function readyReport(ctx: FhirContext, query: ReportQuery): Promise<{ report: DiagnosticReport; patient: FoundPatient }> {
  assertText(query.reportId, 'reportId');
  const patient = await requirePatient(ctx, query.patientId).catch((e: unknown) => {
    throw e instanceof HisError && e.code === 'NOT_FOUND' ? new HisError('NOT_FOUND', 'no such report for this patient', { reportId: query.reportId }) : e;
  });
  const report = await ctx.fhir.searchOne<DiagnosticReport>('DiagnosticReport', { identifier: `${ctx.systems.reportId}|${query.reportId}` });
  if (!report || !isPatient(report.subject, patient.handle) || !(ready.has(report.status) || pending.has(report.status))) {
    throw new HisError('NOT_FOUND', 'no such report for this patient', { reportId: query.reportId });
  }
  if (!ready.has(report.status)) throw new HisError('NOT_ALLOWED', 'the report is not ready yet', { reportId: query.reportId });
  return { report, patient };
}

/** PDF pages: R5's Attachment.pages when the server states it, else the page objects of the file. */
function pagesOf(form: Attachment, pdf: Buffer): number {
  const stated = extension(form, extensions.attachmentPages)?.valuePositiveInt;
  if (stated !== undefined) return stated;
  return Math.max(1, (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length);
}

export async function fetchReport(ctx: FhirContext, query: ReportQuery): Promise<ReportDocument> {
  const { report, patient } = await readyReport(ctx, query);
  const form = report.presentedForm?.find((f) => f.contentType?.startsWith('application/pdf'));
  if (!form || (form.data === undefined && form.url === undefined)) throw new HisError('NOT_ALLOWED', 'the report has no printable PDF', { reportId: query.reportId });
  const pdf = form.data !== undefined ? Buffer.from(form.data, 'base64') : await ctx.fhir.binary(form.url!);
  const prints = (await printsOf(ctx, [report])).get(report.id!);
  const { title, printCount, printedAt } = summary(ctx, report, patient.handle.patientId, prints);
  return { reportId: query.reportId, title, pdf, pages: pagesOf(form, pdf), printed: printCount > 0, printCount, ...(printedAt !== undefined ? { printedAt } : {}) };
}

export async function markReportPrinted(ctx: FhirContext, request: ReportPrintedRequest): Promise<ReportPrinted> {
  assertText(request.reportId, 'reportId');
  assertText(request.patientId, 'patientId');
  return runTrade(ctx, 'markReportPrinted', request.tradeNo, request, async (): Promise<TradePlan<ReportPrinted>> => {
    const { report, patient } = await readyReport(ctx, request);
    const before = (await printsOf(ctx, [report])).get(report.id!)?.count ?? 0;
    const title = report.code.text ?? '';
    const printedAt = nowIso(ctx);
    const hisReceiptNo = receiptNo(ctx, 'markReportPrinted');
    return {
      entries: [],
      record: {
        result: { reportId: request.reportId, printCount: before + 1, printedAt }, patient: patient.handle, focus: { reference: `DiagnosticReport/${report.id}` },
        hisReceiptNo, paidFen: 0, refundFen: 0, settledAt: printedAt,
        receipt: { title: '报告打印记录', fields: [{ label: '报告', value: `${title} ${request.reportId}` }], lines: [], totalFen: 0 },
      },
    };
  });
}
