import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HisSimulator } from '../../central/his/simulator.ts';
import { formatYuan } from '../../contract/money.ts';
import { businessDay } from '../../runtime/flows/billList.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * Inquiry end to end (issue 5 §10): prices found by pinyin initials typed on the keyboard and on
 * the letter groups, a doctor's week and introduction, the patient's payments, each checked
 * against the simulated HIS's own records. The menu offers bills (1) and inquiry (2).
 */
describe('a patient looks up prices, doctors and payments', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  async function toInquiry(s: Stack, k: KioskScreen): Promise<void> {
    await k.waitFor('请插入就诊卡', 90_000);
    await s.card.control(`insert ${s.patient.cardNo}`);
    await k.waitFor('请选择服务');
    k.press('2');
    await k.waitFor('请选择查询项目');
  }

  async function leave(s: Stack, k: KioskScreen): Promise<void> {
    await k.waitFor('请取走', 20_000);
    await s.card.control('take');
    await k.waitFor('请插入就诊卡');
  }

  function his(s: Stack): HisSimulator {
    return HisSimulator.open(path.join(s.dir, 'his'));
  }

  it('finds drugs by their pinyin initials, typed on the keyboard or picked from the letter groups', async () => {
    stack = await Stack.start();
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'inquiry'] }));
    await toInquiry(stack, kiosk);
    kiosk.press('1');
    await kiosk.waitFor('拼音首字母');
    kiosk.press('amxl');
    await kiosk.waitFor('[AMXL________]');
    kiosk.press('\r');
    await kiosk.waitFor('共 2 项');

    const h = his(stack);
    const amxl = await h.searchPrices({ initials: 'AMXL', page: 1, pageSize: 20 });
    const am = await h.searchPrices({ initials: 'AM', page: 1, pageSize: 20 });
    h.close();
    expect(amxl.items.map((i) => i.name)).toEqual(['阿莫西林胶囊', '阿莫西林克拉维酸钾片']);
    for (const item of amxl.items) await kiosk.waitFor(`${formatYuan(item.priceFen)}/${item.unit} ${item.insuranceClass}`);
    await kiosk.waitFor('阿莫西林胶囊 0.25gx24粒');

    // Back to the letters, clear them, and type AM on the glass: A in A-E, M in L-P.
    kiosk.press('0');
    await kiosk.waitFor('[AMXL________]');
    kiosk.press('6666');
    await kiosk.waitFor('[____________]');
    kiosk.press('1');
    await kiosk.waitFor('请选择字母');
    kiosk.press('1');
    await kiosk.waitFor('[A___________]');
    kiosk.press('3');
    await kiosk.waitFor('[2] M');
    kiosk.press('2');
    await kiosk.waitFor('[AM__________]');
    kiosk.press('\r');
    await kiosk.waitFor(`共 ${am.total} 项`);
    for (const item of am.items) await kiosk.waitFor(item.name);

    kiosk.press('0'); // back to the letters
    await kiosk.waitFor('拼音首字母');
    kiosk.press('0'); // back to the inquiry menu
    await kiosk.waitFor('请选择查询项目');
    kiosk.press('0'); // leave inquiry
    await kiosk.waitFor('请选择服务');
    kiosk.press('0');
    await leave(stack, kiosk);
  });

  it("shows a department's doctors with their week, a doctor's introduction, and the patient's payments of 90 days", async () => {
    stack = await Stack.start();
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'inquiry'] }));
    await toInquiry(stack, kiosk);
    kiosk.press('2');
    await kiosk.waitFor('请选择科室');
    kiosk.press('1'); // 内科
    await kiosk.waitFor('周建国 主任医师:');

    const h = his(stack);
    const intro = await h.doctorInfo({ doctorId: 'E001' });
    const week = (await h.querySchedule({ doctorId: 'E001' })).slots.filter((s) => s.date <= businessDay(6));
    const { bills } = await h.billHistory({ patientId: stack.patient.patientId, from: businessDay(-89), to: businessDay(0) });
    h.close();

    kiosk.press('1'); // 周建国
    await kiosk.waitFor(`擅长: ${intro.specialty}`);
    await kiosk.waitFor('近7天出诊');
    for (const s of week.slice(0, 2)) await kiosk.waitFor(`${s.date.slice(5)}周`);
    expect(kiosk.text()).toContain(intro.profile.slice(0, 10));
    kiosk.press('0'); // back to the doctors
    await kiosk.waitFor('吴晓梅');
    kiosk.press('0'); // back to the departments
    await kiosk.waitFor('请选择科室');
    kiosk.press('0'); // back to the inquiry menu
    await kiosk.waitFor('请选择查询项目');

    kiosk.press('3');
    await kiosk.waitFor('近90天缴费');
    expect(bills.map((b) => b.billNo)).toEqual(['MZ00009001', 'MZ00009002', 'MZ00009003']);
    for (const b of bills) await kiosk.waitFor(b.hisReceiptNo);
    await kiosk.waitFor(formatYuan(bills.reduce((sum, b) => sum + b.amountFen, 0)));
    kiosk.press('0');
    await kiosk.waitFor('请选择查询项目');
    kiosk.press('0');
    await kiosk.waitFor('请选择服务');
    kiosk.press('0');
    await leave(stack, kiosk);

    // Inquiry touches no money and no device but the screen: no transaction, nothing printed.
    const journal = new Database(stack.journalFile, { readonly: true });
    const txns = (journal.prepare('SELECT count(*) AS n FROM txns').get() as { n: number }).n;
    journal.close();
    expect(txns).toBe(0);
    expect(stack.printer.events('receipt')).toHaveLength(0);
  });

  it('leaves the flow when the patient walks away from the letters', async () => {
    stack = await Stack.start();
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'inquiry'], timeouts: { choiceMs: 2000, takeCardMs: 5000, goodbyeMs: 1000, rpcMs: 3000, saleMs: 20_000, settleDeadlineMs: 10_000 } }));
    await toInquiry(stack, kiosk);
    kiosk.press('1');
    await kiosk.waitFor('拼音首字母');
    kiosk.press('A');
    await kiosk.waitFor('[A___________]');
    // The letters' countdown ends the flow; then the menu's ends the visit.
    await kiosk.waitFor('请选择服务', 10_000);
    await leave(stack, kiosk);
  });
});
