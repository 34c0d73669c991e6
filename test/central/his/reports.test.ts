import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, clock, refusedWith, simulator, tempDir } from './harness.ts';

afterEach(cleanUp);

describe('lab reports', () => {
  it('lists a patient\'s reports, ready first, with their print counts', async () => {
    const his = simulator(tempDir(), clock().now);
    const { reports } = await his.listReports({ patientId: 'P0012' });
    expect(reports.map((r) => [r.reportId, r.title, r.state, r.printCount])).toEqual([
      ['R000000001', '血常规（五分类）', 'ready', 0],
      ['R000000002', '肝功能', 'ready', 0],
      ['R000000003', '甲状腺功能', 'pending', 0],
    ]);
    expect(reports[0]).toMatchObject({ type: 'LAB', deptName: '检验科', reportedAt: '2025-06-01T07:40:00+08:00' });
    expect(reports[2]).not.toHaveProperty('reportedAt');
  });

  it('fetches a ready report as a PDF with the patient\'s name in it, the same bytes every time', async () => {
    const his = simulator(tempDir(), clock().now);
    const doc = await his.fetchReport({ reportId: 'R000000001', patientId: 'P0012' });
    expect(doc).toMatchObject({ reportId: 'R000000001', title: '血常规（五分类）', pages: 1, printed: false, printCount: 0 });
    expect(doc.pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(doc.pdf.subarray(-6).toString('latin1')).toContain('%%EOF');
    expect(doc.pdf.length).toBeLessThan(64 * 1024);
    expect((await his.fetchReport({ reportId: 'R000000001', patientId: 'P0012' })).pdf.equals(doc.pdf)).toBe(true);
    // A second folder renders the same report to the same bytes: nothing in it depends on the hour.
    const other = simulator(tempDir(), clock('2025-06-02T15:00:00+08:00').now);
    expect((await other.fetchReport({ reportId: 'R000000001', patientId: 'P0012' })).pdf.equals(doc.pdf)).toBe(true);
  });

  it('refuses a pending report and another patient\'s', async () => {
    const his = simulator(tempDir(), clock().now);
    expect(await refusedWith(his.fetchReport({ reportId: 'R000000003', patientId: 'P0012' }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
    expect(await refusedWith(his.fetchReport({ reportId: 'R000000001', patientId: 'P0001' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
    expect(await refusedWith(his.markReportPrinted({ reportId: 'R000000001', patientId: 'P0001', tradeNo: 'T-PR' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });

  it('marks a report printed once per trade number; a later fetch says it was printed', async () => {
    const time = clock();
    const his = simulator(tempDir(), time.now);
    const printed = await his.markReportPrinted({ reportId: 'R000000004', patientId: 'P0001', tradeNo: 'T-PR' });
    expect(printed).toEqual({ reportId: 'R000000004', printCount: 1, printedAt: '2025-06-02T09:00:00+08:00' });
    time.advance(60_000);
    expect(await his.markReportPrinted({ reportId: 'R000000004', patientId: 'P0001', tradeNo: 'T-PR' })).toEqual(printed);
    expect(await his.fetchReport({ reportId: 'R000000004', patientId: 'P0001' })).toMatchObject({ printed: true, printCount: 1, printedAt: '2025-06-02T09:00:00+08:00' });
    expect(await his.markReportPrinted({ reportId: 'R000000004', patientId: 'P0001', tradeNo: 'T-PR2' })).toMatchObject({ printCount: 2 });
    expect((await his.listReports({ patientId: 'P0001' })).reports[0]).toMatchObject({ printCount: 2, printedAt: '2025-06-02T09:01:00+08:00' });
    expect(await refusedWith(his.markReportPrinted({ reportId: 'R000000001', patientId: 'P0012', tradeNo: 'T-PR' }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
  });
});
