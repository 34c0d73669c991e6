import fs from 'node:fs';
import PDFDocument from 'pdfkit';

/**
 * A lab report as the hospital's LIS prints it: one A4 page with a CJK font. pdfkit embeds only
 * the glyphs used, so a report stays near 10 kB; the creation date is the report's own, so the
 * same report renders to the same bytes.
 */

/** Debian's fonts-wqy-microhei: small, and it has every character a name or a lab item needs. */
export const reportFont = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';
const fontName = 'WenQuanYiMicroHei';

export interface LabReportContent {
  hospitalName: string;
  reportId: string;
  title: string;
  deptName: string;
  patientId: string;
  patientName: string;
  sex: 'male' | 'female';
  age: number;
  reportedAt: string;
  results: { item: string; value: string; unit: string; range: string; flag?: string }[];
}

const columns = [
  { key: 'item', title: '检验项目', x: 50, width: 190 },
  { key: 'value', title: '结果', x: 240, width: 70 },
  { key: 'flag', title: '提示', x: 310, width: 40 },
  { key: 'unit', title: '单位', x: 350, width: 80 },
  { key: 'range', title: '参考范围', x: 430, width: 115 },
] as const;

export async function renderLabReport(report: LabReportContent): Promise<{ pdf: Buffer; pages: number }> {
  if (!fs.existsSync(reportFont)) throw new Error(`the report font ${reportFont} is missing; install the Debian package fonts-wqy-microhei`);
  const doc = new PDFDocument({
    size: 'A4', margin: 50, bufferPages: true,
    info: { Title: `${report.title} ${report.reportId}`, Author: report.hospitalName, CreationDate: new Date(report.reportedAt) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font(reportFont, fontName);
  doc.fontSize(18).text(report.hospitalName, { align: 'center' });
  doc.fontSize(14).text(`检验报告单 · ${report.title}`, { align: 'center' }).moveDown(1);
  const info = [
    `姓名：${report.patientName}`, `性别：${report.sex === 'male' ? '男' : '女'}`, `年龄：${report.age}岁`,
    `病人ID：${report.patientId}`, `科室：${report.deptName}`, `报告编号：${report.reportId}`,
  ];
  doc.fontSize(10);
  const top = doc.y;
  info.forEach((text, n) => doc.text(text, 50 + (n % 3) * 165, top + Math.floor(n / 3) * 16, { width: 160, lineBreak: false }));
  let y = top + 40;
  doc.moveTo(50, y).lineTo(545, y).stroke();
  y += 6;
  for (const c of columns) doc.text(c.title, c.x, y, { width: c.width, lineBreak: false });
  y += 18;
  doc.moveTo(50, y - 4).lineTo(545, y - 4).stroke();
  for (const r of report.results) {
    for (const c of columns) doc.text(r[c.key] ?? '', c.x, y, { width: c.width, lineBreak: false });
    y += 18;
  }
  doc.moveTo(50, y).lineTo(545, y).stroke();
  doc.text(`报告时间：${report.reportedAt.slice(0, 16).replace('T', ' ')}`, 50, y + 10, { lineBreak: false });
  doc.text('检验者：陈** 审核者：林**', 320, y + 10, { lineBreak: false });
  doc.fontSize(8).text('本报告仅对所检标本负责。如有疑问请于报告发出后七日内与检验科联系。', 50, y + 34, { lineBreak: false });
  const pages = doc.bufferedPageRange().count;
  doc.end();
  return { pdf: await ended, pages };
}
