import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HisSimulator } from '../../central/his/simulator.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * A patient prints a lab report, end to end: the bridge fetches the PDF from the HIS, the kiosk
 * prints it on the A4 printer (ippeveprinter), and only the completed job is reported to the HIS,
 * so the next visit lists it as printed.
 */
describe('a patient prints a ready lab report on the A4 printer', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  async function toReports(s: Stack, k: KioskScreen) {
    await k.waitFor('请插入就诊卡');
    await s.card.control(`insert ${s.patient.cardNo}`);
    await k.waitFor('请选择服务');
    k.press('2');
    await k.waitFor('您的报告');
  }

  async function leave(s: Stack, k: KioskScreen) {
    k.press('0');
    await k.waitFor('请取走');
    await s.card.control('take');
    await k.waitFor('请插入就诊卡');
  }

  it('prints it once, tells the HIS only after the printer completed the job, and lists it as printed next time', async () => {
    stack = await Stack.start({ report: true });
    kiosk = KioskScreen.start(stack.kioskConfig());
    await toReports(stack, kiosk);
    await kiosk.waitFor('可打印');
    kiosk.press('1');
    await kiosk.waitFor('已打印 1 份报告');

    const jobs = stack.report!.printed();
    expect(jobs).toHaveLength(1);
    const text = execFileSync('pdftotext', [jobs[0]!.file, '-'], { encoding: 'utf8' });
    expect(text).toContain('尿常规');

    const his = HisSimulator.open(path.join(stack.dir, 'his'));
    const { reports } = await his.listReports({ patientId: stack.patient.patientId });
    his.close();
    expect(reports.find((r) => r.title === '尿常规')?.printCount).toBe(1);

    kiosk.press('1'); // OK: back to the menu
    await kiosk.waitFor('请选择服务');
    // From the list, the footer's home key goes straight back to the menu.
    kiosk.press('2');
    await kiosk.waitFor('您的报告');
    await kiosk.waitFor('[#] 首页');
    kiosk.press('#');
    await kiosk.waitFor('请选择服务');
    await leave(stack, kiosk);

    await toReports(stack, kiosk);
    await kiosk.waitFor('已打印');
    await kiosk.waitFor('人工窗口补打');
    expect(stack.report!.printed()).toHaveLength(1);
  });

  it('does not tell the HIS a report was printed when the printer ran out of paper', async () => {
    stack = await Stack.start({ report: true });
    await stack.report!.setPaper('out');
    kiosk = KioskScreen.start(stack.kioskConfig());
    await toReports(stack, kiosk);
    kiosk.press('1');
    await kiosk.waitFor('未能打印');

    const his = HisSimulator.open(path.join(stack.dir, 'his'));
    const { reports } = await his.listReports({ patientId: stack.patient.patientId });
    his.close();
    expect(reports.find((r) => r.title === '尿常规')?.printCount).toBe(0);
  });
});
