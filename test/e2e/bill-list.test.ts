import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HisSimulator } from '../../central/his/simulator.ts';
import { formatYuan } from '../../contract/money.ts';
import { businessDay } from '../../runtime/flows/billList.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * Bill lists end to end (issue 5 §9): the kiosk asks the bridge, the bridge the simulated HIS, and
 * the list comes out of the receipt printer simulator; the journal keeps the print as a fact.
 * The menu offers bills (1) and bill lists (2).
 */
describe('a patient prints a bill list on the receipt printer', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  async function toBillList(s: Stack, k: KioskScreen, cardNo: string): Promise<void> {
    await k.waitFor('请插入就诊卡', 90_000);
    await s.card.control(`insert ${cardNo}`);
    await k.waitFor('请选择服务');
    k.press('2');
    await k.waitFor('请选择要打印的费用清单');
  }

  async function leave(s: Stack, k: KioskScreen): Promise<void> {
    await k.waitFor('请取走', 20_000);
    await s.card.control('take');
    await k.waitFor('请插入就诊卡');
  }

  /** The journal's bill-list facts, read from the kiosk's own SQLite file. */
  function listFacts(s: Stack): { type: string; data: Record<string, unknown> }[] {
    const db = new Database(s.journalFile, { readonly: true });
    try {
      const rows = db.prepare("SELECT type, data FROM events WHERE type LIKE 'billList.%' ORDER BY seq").all() as { type: string; data: string }[];
      return rows.map((r) => ({ type: r.type, data: JSON.parse(r.data) as Record<string, unknown> }));
    } finally {
      db.close();
    }
  }

  async function verify(s: Stack): Promise<void> {
    const run = await runZizhu(['journal', 'verify', '--db', s.journalFile, '--json']);
    expect(run.code, run.stdout).toBe(0);
  }

  it('prints the outpatient bills paid in the last 30 days with their items, as the HIS holds them, and journals the print', async () => {
    stack = await Stack.start();
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'billList'] }));
    await toBillList(stack, kiosk, stack.patient.cardNo);
    kiosk.press('2'); // the last 30 days
    await kiosk.waitFor('共 2 张');

    const his = HisSimulator.open(path.join(stack.dir, 'his'));
    const { bills } = await his.billHistory({ patientId: stack.patient.patientId, from: businessDay(-29), to: businessDay(0) });
    his.close();
    expect(bills.map((b) => b.billNo)).toEqual(['MZ00009001', 'MZ00009002']);
    const totalFen = bills.reduce((sum, b) => sum + b.amountFen, 0);
    await kiosk.waitFor(formatYuan(totalFen));

    const since = stack.printer.lines.length;
    kiosk.press('1'); // print
    const receipt = await stack.printer.find((l) => l.event === 'receipt', since);
    const text = (receipt.lines as string[]).join('\n');
    await kiosk.waitFor('费用清单已打印');
    expect(text).toContain('门诊费用清单');
    expect(text).toContain(`${businessDay(-29)} 至 ${businessDay(0)}`);
    for (const b of bills) {
      expect(text).toContain(b.hisReceiptNo);
      expect(text).toContain(b.billNo);
      for (const item of b.items) expect(text).toContain(item.name.split(' ')[0]);
    }
    expect(text).toContain(formatYuan(totalFen));
    expect(text).toContain('张*');
    expect(text).not.toContain(stack.patient.name);

    expect(listFacts(stack)).toEqual([
      { type: 'billList.print.intent', data: { kind: 'outpatient', from: businessDay(-29), to: businessDay(0), bills: 2, totalFen } },
      { type: 'billList.printed', data: { kind: 'outpatient', from: businessDay(-29), to: businessDay(0), bills: 2, totalFen, printed: true } },
    ]);
    kiosk.press('1'); // OK: back to the menu
    await kiosk.waitFor('请选择服务');
    kiosk.press('0');
    await leave(stack, kiosk);
    await verify(stack);
  });

  it('prints the costs of a stay day by day, with the totals by category', async () => {
    stack = await Stack.start();
    const inpatient = stack.patients.find((p) => p.patientId === 'P0013')!;
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'billList'] }));
    await toBillList(stack, kiosk, inpatient.cardNo);
    await kiosk.waitFor('住院 ZY2025000102');
    kiosk.press('4');
    await kiosk.waitFor('共 15 项');
    const since = stack.printer.lines.length;
    kiosk.press('1');
    const receipt = await stack.printer.find((l) => l.event === 'receipt', since);
    const text = (receipt.lines as string[]).join('\n');
    expect(text).toContain('住院费用清单');
    expect(text).toContain('ZY2025000102');
    expect(text).toContain('分类汇总');
    expect(text).toContain('阑尾切除术');
    expect(text).toContain('1345.67');
    await kiosk.waitFor('费用清单已打印');
    expect(listFacts(stack).at(-1)).toEqual({ type: 'billList.printed', data: { kind: 'inpatient', admissionNo: 'ZY2025000102', lines: 15, totalFen: 134_567, printed: true } });
  });

  it('prints nothing when the patient goes back and leaves, and nothing when the choice times out', async () => {
    stack = await Stack.start();
    const config = stack.kioskConfig({ flows: ['bills', 'billList'] });
    kiosk = KioskScreen.start(config);
    await toBillList(stack, kiosk, stack.patient.cardNo);
    kiosk.press('3'); // 90 days
    await kiosk.waitFor('共 3 张');
    kiosk.press('0'); // back to the choice
    await kiosk.waitFor('请选择要打印的费用清单');
    kiosk.press('0'); // exit the flow
    await kiosk.waitFor('请选择服务');
    kiosk.press('0');
    await leave(stack, kiosk);
    await kiosk.stop();

    // The same patient again with a short choice time, walking away from the choice.
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'billList'], timeouts: { choiceMs: 2000, takeCardMs: 5000, goodbyeMs: 1000, rpcMs: 3000, saleMs: 20_000, settleDeadlineMs: 10_000 } }));
    await toBillList(stack, kiosk, stack.patient.cardNo);
    await kiosk.waitFor('请选择服务', 10_000);
    await leave(stack, kiosk);

    expect(stack.printer.events('receipt')).toHaveLength(0);
    expect(listFacts(stack)).toEqual([]);
    await verify(stack);
  });
});
