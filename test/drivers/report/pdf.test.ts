import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderLabReport, sampleLabReport, type LabReport } from '../../../drivers/report/pdf.ts';

/** The text a PDF reader extracts, through poppler's pdftotext: proof the glyphs are text, not pictures. */
function pdfText(pdf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-pdf-'));
  try {
    const file = path.join(dir, 'report.pdf');
    fs.writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const reported = new Date('2025-03-31T06:05:00Z');

describe('renderLabReport', () => {
  it('renders an A4 PDF whose text holds the hospital, the rare-character names and every value', async () => {
    const pdf = await renderLabReport(sampleLabReport(reported));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('示例市第一人民医院');
    expect(text).toContain('血常规检验报告单');
    // 堃 in the masked patient name, 喆 in the doctors' names: both must come out as text.
    expect(text).toContain('王*堃');
    expect(text).toContain('李喆');
    expect(text).toContain('陈喆');
    expect(text).toContain('P000123456');
    expect(text).toMatch(/白细胞计数 WBC\s+11\.2\s+↑\s+10\^9\/L\s+3\.5-9\.5/);
    expect(text).toMatch(/淋巴细胞百分比 LYMPH%\s+15\.1\s+↓/);
    // Times in Asia/Shanghai, whatever the machine's zone.
    expect(text).toContain('报告时间：2025-03-31 14:05');
  });

  it('keeps the patient out of the document metadata', async () => {
    const pdf = await renderLabReport(sampleLabReport(reported));
    const info = execFileSync('pdfinfo', ['-'], { input: pdf, encoding: 'utf8' });
    expect(info).toMatch(/^Title:\s+血常规检验报告单$/m);
    expect(info).not.toContain('堃');
  });

  it('continues a long report on more pages, repeating the table header and numbering pages', async () => {
    const sample = sampleLabReport(reported);
    const long: LabReport = { ...sample, items: Array.from({ length: 60 }, (_, i) => ({ ...sample.items[i % sample.items.length]!, name: `项目${i + 1}` })) };
    const text = pdfText(await renderLabReport(long));
    expect(text.split('\f').filter((page) => page.trim()).length).toBe(2);
    expect(text.match(/项目名称/g)).toHaveLength(2);
    expect(text).toContain('项目60');
    expect(text).toMatch(/第\s*2\s*页\s*\/\s*共\s*2\s*页/);
  });

  it('names the package when the CJK font is missing', async () => {
    await expect(renderLabReport(sampleLabReport(reported), { fontPath: '/nonexistent/font.ttc' })).rejects.toThrow(/fonts-wqy-microhei/);
  });
});
