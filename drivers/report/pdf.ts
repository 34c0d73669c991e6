import fs from 'node:fs';
import PDFDocument from 'pdfkit';

/**
 * A lab report as the kiosk prints it on A4 (reference/hardware-protocols.md §5). The caller
 * fills it from the HIS report and decides what personal data goes on paper: the patient's name
 * arrives already masked (`张*堃`) unless the hospital prints names in full.
 */
export interface LabReport {
  hospital: string;
  /** e.g. 血常规检验报告单 */
  title: string;
  reportNo: string;
  patient: {
    /** As printed, normally masked by the caller. */
    name: string;
    patientNo: string;
    sex?: string;
    age?: string;
    department?: string;
  };
  specimen?: string;
  items: LabItem[];
  /** The requesting doctor. */
  doctor: string;
  /** Who checked and released the report. */
  reviewer?: string;
  times: { collected?: Date; received?: Date; reported: Date };
}

export interface LabItem {
  name: string;
  /** Short code, e.g. WBC. */
  code?: string;
  /** Text, not a number: results are also 阴性, <0.5, 1:80. */
  result: string;
  unit: string;
  /** Reference range as the lab writes it, e.g. 3.5-9.5. */
  range: string;
  flag?: 'high' | 'low' | 'abnormal';
}

/**
 * WenQuanYi Micro Hei (Debian fonts-wqy-microhei): small, and it has the rare characters of names
 * (喆, 堃) that GB2312 fonts lack. The file is a collection; fontkit picks a member by PostScript
 * name, and family "WenQuanYi Micro Hei" is WenQuanYiMicroHei there.
 */
export const CJK_FONT = { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', postscriptName: 'WenQuanYiMicroHei' } as const;

export interface RenderOptions {
  fontPath?: string;
  fontPostscriptName?: string;
}

const flagMarks: Record<NonNullable<LabItem['flag']>, string> = { high: '↑', low: '↓', abnormal: '*' };

/** A4 in points, and the layout on it. */
const MARGIN = 42;
const PAGE_BOTTOM = 841.89 - MARGIN - 24;
const columns = [
  { title: '序号', width: 32 },
  { title: '项目名称', width: 170 },
  { title: '结果', width: 70 },
  { title: '提示', width: 32 },
  { title: '单位', width: 80 },
  { title: '参考区间', width: 127 },
] as const;

/** The business day and the times on a report are Asia/Shanghai (DESIGN.md §1). */
const shanghai = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const when = (date: Date | undefined) => (date ? shanghai.format(date) : '');

export function renderLabReport(report: LabReport, options: RenderOptions = {}): Promise<Buffer> {
  const fontPath = options.fontPath ?? CJK_FONT.path;
  if (!fs.existsSync(fontPath)) return Promise.reject(new Error(`CJK font ${fontPath} is missing (Debian package fonts-wqy-microhei)`));
  // Patient data stays out of the metadata: document properties travel further than the page.
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, info: { Title: report.title, Author: report.hospital, Creator: 'zizhu' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('cjk', fontPath, options.fontPostscriptName ?? CJK_FONT.postscriptName);
  doc.font('cjk');

  header(doc, report);
  let y = tableHeader(doc, doc.y + 6);
  report.items.forEach((item, i) => {
    const cells = [String(i + 1), item.code ? `${item.name} ${item.code}` : item.name, item.result, item.flag ? flagMarks[item.flag] : '', item.unit, item.range];
    doc.fontSize(10);
    const height = Math.max(...cells.map((cell, c) => doc.heightOfString(cell, { width: columns[c]!.width - 4 }))) + 6;
    if (y + height > PAGE_BOTTOM - 70) {
      doc.addPage();
      y = tableHeader(doc, MARGIN);
    }
    row(doc, cells, y);
    y += height;
  });
  rule(doc, y + 2);
  footer(doc, report, y + 10);
  pageNumbers(doc);
  doc.end();
  return done;
}

function header(doc: PDFKit.PDFDocument, report: LabReport): void {
  const width = doc.page.width - 2 * MARGIN;
  doc.fontSize(18).text(report.hospital, MARGIN, MARGIN, { width, align: 'center' });
  doc.fontSize(14).text(report.title, MARGIN, doc.y + 4, { width, align: 'center' });
  const p = report.patient;
  const pairs: [string, string][] = [
    ['姓名', p.name],
    ['性别', p.sex ?? ''],
    ['年龄', p.age ?? ''],
    ['患者编号', p.patientNo],
    ['科室', p.department ?? ''],
    ['标本', report.specimen ?? ''],
    ['报告编号', report.reportNo],
    ['申请医生', report.doctor],
    ['采样时间', when(report.times.collected)],
  ];
  const top = doc.y + 10;
  const cell = width / 3;
  doc.fontSize(10);
  pairs.forEach(([label, value], i) => {
    doc.text(`${label}：${value}`, MARGIN + (i % 3) * cell, top + Math.floor(i / 3) * 16, { width: cell - 6, lineBreak: false, ellipsis: true });
  });
  doc.y = top + Math.ceil(pairs.length / 3) * 16;
  rule(doc, doc.y + 2);
}

function tableHeader(doc: PDFKit.PDFDocument, y: number): number {
  doc.fontSize(10);
  row(doc, columns.map((c) => c.title), y);
  rule(doc, y + 16);
  return y + 20;
}

function row(doc: PDFKit.PDFDocument, cells: string[], y: number): void {
  let x = MARGIN;
  cells.forEach((cell, c) => {
    const width = columns[c]!.width;
    doc.text(cell, x + 2, y, { width: width - 4 });
    x += width;
  });
}

function rule(doc: PDFKit.PDFDocument, y: number): void {
  doc
    .moveTo(MARGIN, y)
    .lineTo(doc.page.width - MARGIN, y)
    .lineWidth(0.6)
    .stroke();
}

function footer(doc: PDFKit.PDFDocument, report: LabReport, y: number): void {
  const width = doc.page.width - 2 * MARGIN;
  doc.fontSize(10);
  doc.text(`接收时间：${when(report.times.received)}    报告时间：${when(report.times.reported)}`, MARGIN, y, { width });
  doc.text(`申请医生：${report.doctor}    审核者：${report.reviewer ?? ''}`, MARGIN, doc.y + 4, { width });
  doc.fontSize(9).text('本报告仅对所检测标本负责，如有疑问请咨询检验科。', MARGIN, doc.y + 8, { width });
}

function pageNumbers(doc: PDFKit.PDFDocument): void {
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    doc.fontSize(9).text(`第 ${i - start + 1} 页 / 共 ${count} 页`, MARGIN, PAGE_BOTTOM + 6, { width: doc.page.width - 2 * MARGIN, align: 'center', lineBreak: false });
  }
}

/** A report with fictional data, for `zizhu device report sample` and tests: a technician test-prints it. */
export function sampleLabReport(now: Date = new Date()): LabReport {
  const minutes = (n: number) => new Date(now.getTime() - n * 60_000);
  return {
    hospital: '示例市第一人民医院',
    title: '血常规检验报告单',
    reportNo: 'JY20250331-0001',
    patient: { name: '王*堃', patientNo: 'P000123456', sex: '男', age: '36岁', department: '普通内科门诊' },
    specimen: '静脉血',
    doctor: '李喆',
    reviewer: '陈喆',
    times: { collected: minutes(180), received: minutes(150), reported: now },
    items: [
      { name: '白细胞计数', code: 'WBC', result: '11.2', unit: '10^9/L', range: '3.5-9.5', flag: 'high' },
      { name: '中性粒细胞百分比', code: 'NEUT%', result: '78.5', unit: '%', range: '40-75', flag: 'high' },
      { name: '淋巴细胞百分比', code: 'LYMPH%', result: '15.1', unit: '%', range: '20-50', flag: 'low' },
      { name: '红细胞计数', code: 'RBC', result: '4.62', unit: '10^12/L', range: '4.3-5.8' },
      { name: '血红蛋白', code: 'HGB', result: '142', unit: 'g/L', range: '130-175' },
      { name: '血小板计数', code: 'PLT', result: '215', unit: '10^9/L', range: '125-350' },
      { name: 'C反应蛋白', code: 'CRP', result: '12.6', unit: 'mg/L', range: '0-10', flag: 'high' },
    ],
  };
}
