import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatYuan } from '../../contract/money.ts';
import type { InpatientInfoResult } from '../../contract/rpc.ts';
import { HisSimulator } from '../../central/his/simulator.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * A patient pays an inpatient deposit (住院预交金) end to end: the kiosk shows the stay from the
 * simulated HIS, the bank module takes the card, the bridge settles `inpatient.deposit`, and the
 * HIS, the receipt and the screen all show the new balance.
 */
describe('an inpatient pays a deposit at the kiosk', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  /** The HIS's own record of a patient's stay, read from the simulator's files. */
  async function stayOf(s: Stack, patientId: string): Promise<InpatientInfoResult> {
    const his = HisSimulator.open(path.join(s.dir, 'his'));
    try {
      return await his.inpatientInfo({ patientId });
    } finally {
      his.close();
    }
  }

  /** A seeded patient in hospital, and one with no stay at all. */
  function patients(s: Stack) {
    const his = HisSimulator.open(path.join(s.dir, 'his'));
    const { admissions } = his.fixtures();
    his.close();
    const admitted = new Set(admissions.map((a) => a.patientId));
    const inpatient = s.patients.find((p) => admissions.some((a) => a.patientId === p.patientId && a.state === 'inHospital' && !a.dischargeOrdered))!;
    const outpatient = s.patients.find((p) => !admitted.has(p.patientId))!;
    return { inpatient, outpatient };
  }

  async function toDeposit(s: Stack, k: KioskScreen, cardNo: string) {
    await k.waitFor('请插入就诊卡', 90_000);
    await s.card.control(`insert ${cardNo}`);
    await k.waitFor('请选择服务');
    k.press('2'); // flows: bills, deposit
  }

  async function leave(s: Stack, k: KioskScreen) {
    await k.waitFor('请选择服务');
    k.press('0');
    await k.waitFor('请取走');
    await s.card.control('take');
    await k.waitFor('请插入就诊卡');
  }

  it('shows the stay, takes an amount typed on the keypad by card, and the HIS, receipt and screen show the new balance', async () => {
    stack = await Stack.start();
    const { inpatient } = patients(stack);
    const before = await stayOf(stack, inpatient.patientId);
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'deposit'] }));
    await toDeposit(stack, kiosk, inpatient.cardNo);

    await kiosk.waitFor(before.admissionNo);
    await kiosk.waitFor(formatYuan(before.balanceFen));
    kiosk.press('1'); // pay a deposit
    await kiosk.waitFor('请选择预交金额');
    kiosk.press('5'); // other amount
    await kiosk.waitFor('请输入预交金额');
    kiosk.press('1');
    kiosk.press('2');
    kiosk.press('7');
    kiosk.press('\x7f'); // Backspace takes the 7 back
    kiosk.press('3');
    kiosk.press('4');
    await kiosk.waitFor('[ 1234_ ]');
    kiosk.press('\r');
    await kiosk.waitFor('缴纳金额: 1234.00 元');
    await stack.pos.control('auto approve 100');
    const printed = stack.printer.lines.length;
    kiosk.press('1');

    const receipt = await stack.printer.find((l) => l.event === 'receipt', printed);
    await kiosk.waitFor('预交金缴纳成功');
    const after = await stayOf(stack, inpatient.patientId);
    expect(after.depositFen).toBe(before.depositFen + 123_400);
    expect(after.balanceFen).toBe(before.balanceFen + 123_400);
    const added = after.deposits.find((d) => !before.deposits.some((b) => b.depositNo === d.depositNo))!;
    expect(added).toMatchObject({ amountFen: 123_400, method: 'card' });
    expect(added.tradeNo).toMatch(/^[0-9A-Z]{26}$/);

    const text = (receipt.lines as string[]).join('\n');
    expect(text).toContain('住院预交金凭证');
    expect(text).toContain(after.admissionNo);
    expect(text).toContain('1234.00');
    expect(text).toContain(added.depositNo);
    expect(text).toContain(`预交金余额(元): ${formatYuan(after.balanceFen)}`);
    expect(text).not.toContain(inpatient.name);
    await kiosk.waitFor(formatYuan(after.balanceFen));

    kiosk.press('1'); // OK: back to the menu
    await leave(stack, kiosk);

    const ledger = await stack.posLedger();
    expect(ledger.records.filter((r) => r.approved && !r.voided).map((r) => [r.amountFen, r.orderId])).toEqual([[123_400, added.tradeNo]]);
    const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ txns: 1, open: { count: 0 }, pending: { count: 0 } });
  });

  it('tells a patient with no stay so, and a patient who goes back and cancels pays nothing', async () => {
    stack = await Stack.start();
    const { inpatient, outpatient } = patients(stack);
    const before = await stayOf(stack, inpatient.patientId);
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'deposit'] }));

    await toDeposit(stack, kiosk, outpatient.cardNo);
    await kiosk.waitFor('未查询到您的在院记录');
    kiosk.press('1');
    await leave(stack, kiosk);

    await toDeposit(stack, kiosk, inpatient.cardNo);
    await kiosk.waitFor(before.admissionNo);
    kiosk.press('1');
    await kiosk.waitFor('请选择预交金额');
    kiosk.press('2'); // 1000.00
    await kiosk.waitFor('缴纳金额: 1000.00 元');
    kiosk.press('0'); // back to the amounts
    await kiosk.waitFor('请选择预交金额');
    kiosk.press('0'); // cancel: back to the menu
    await leave(stack, kiosk);

    expect((await stayOf(stack, inpatient.patientId)).depositFen).toBe(before.depositFen);
    expect((await stack.posLedger()).sales).toBe(0);
    expect(stack.printer.events('receipt')).toHaveLength(0);
    const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ txns: 0 });
  });
});
