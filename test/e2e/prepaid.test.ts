import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HisSimulator } from '../../central/his/simulator.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * The prepaid outpatient account (预交金) end to end: the kiosk cannot know whether the hospital
 * runs one, so it asks; where recharge is on, a card top-up raises the HIS balance and the
 * receipt says the new balance; a legacy balance paid in at a counter is refunded whole on a
 * voucher slip a cashier pays; NOT_OFFERED is said plainly.
 */
describe('the prepaid account at the kiosk', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  const hisDir = (s: Stack) => path.join(s.dir, 'his');

  /** The HIS's own record of the patient's balance, read from the simulator's files. */
  async function balanceOf(s: Stack, patientId: string): Promise<number> {
    const his = HisSimulator.open(hisDir(s));
    try {
      return (await his.accountBalance({ patientId })).balanceFen;
    } finally {
      his.close();
    }
  }

  async function prepaidOn(s: Stack): Promise<void> {
    const r = await runZizhu(['his-sim', 'config', '--data', hisDir(s), '--prepaid', 'on']);
    expect(r.code, r.stdout).toBe(0);
  }

  async function toAccount(s: Stack, k: KioskScreen, cardNo: string) {
    await k.waitFor('请插入就诊卡', 90_000);
    await s.card.control(`insert ${cardNo}`);
    await k.waitFor('请选择服务');
    k.press('2'); // flows: bills, prepaid
  }

  async function leave(s: Stack, k: KioskScreen) {
    await k.waitFor('请选择服务');
    k.press('0');
    await k.waitFor('请取走');
    await s.card.control('take');
    await k.waitFor('请插入就诊卡');
  }

  async function verify(s: Stack): Promise<{ txns: number; open: { count: number }; pending: { count: number } }> {
    const r = await runZizhu(['journal', 'verify', '--db', s.journalFile, '--json']);
    expect(r.code, r.stdout).toBe(0);
    return JSON.parse(r.stdout) as never;
  }

  it('tops up by card an amount typed on the keypad: the HIS balance rises, the receipt and the screen say the new balance', async () => {
    stack = await Stack.start();
    await prepaidOn(stack);
    const patient = stack.patient;
    const before = await balanceOf(stack, patient.patientId);
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'prepaid'] }));
    await toAccount(stack, kiosk, patient.cardNo);

    await kiosk.waitFor('预交金余额: 0.00 元');
    kiosk.press('1'); // top up
    await kiosk.waitFor('请选择充值金额');
    kiosk.press('5'); // other amount
    await kiosk.waitFor('请输入充值金额');
    for (const key of ['0', '1', '2', '9', '\x7f', '0']) kiosk.press(key); // a leading 0 is ignored; Backspace takes the 9 back
    await kiosk.waitFor('[ 120_ ]');
    await stack.pos.control('auto approve 100');
    const printed = stack.printer.lines.length;
    kiosk.press('\r');

    const receipt = await stack.printer.find((l) => l.event === 'receipt', printed);
    await kiosk.waitFor('充值成功');
    await kiosk.waitFor('当前余额: 120.00 元');
    expect(await balanceOf(stack, patient.patientId)).toBe(before + 12_000);
    const text = (receipt.lines as string[]).join('\n');
    expect(text).toContain('门诊预交金充值凭证');
    expect(text).toContain('120.00');
    expect(text).toContain('充值后余额(元): 120.00');
    expect(text).not.toContain(patient.name);

    kiosk.press('1'); // OK: back to the menu
    await leave(stack, kiosk);
    const ledger = await stack.posLedger();
    expect(ledger.records.filter((r) => r.approved && !r.voided).map((r) => r.amountFen)).toEqual([12_000]);
    expect(await verify(stack)).toMatchObject({ txns: 1, open: { count: 0 }, pending: { count: 0 } });
  });

  it('refunds a legacy balance paid in at a counter, where recharge is off: the HIS balance is 0 and a voucher slip says where to collect it', async () => {
    stack = await Stack.start();
    const his = HisSimulator.open(hisDir(stack));
    const legacy = his.fixtures().accounts.find((a) => a.balanceFen > 0)!;
    his.close();
    const patient = stack.patients.find((p) => p.patientId === legacy.patientId)!;
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'prepaid'] }));
    await toAccount(stack, kiosk, patient.cardNo);

    await kiosk.waitFor('预交金余额: 236.50 元');
    await kiosk.waitFor('本院已停止门诊预交金充值');
    kiosk.press('1'); // the only choice: refund
    await kiosk.waitFor('退款金额: 236.50 元');
    const printed = stack.printer.lines.length;
    kiosk.press('1'); // refund

    const slip = await stack.printer.find((l) => l.event === 'receipt', printed);
    await kiosk.waitFor('236.50 元 请凭退费凭条到人工窗口领取');
    expect(await balanceOf(stack, patient.patientId)).toBe(0);
    const text = (slip.lines as string[]).join('\n');
    expect(text).toContain('门诊预交金退费凭条');
    expect(text).toContain('236.50');
    expect(text).toContain('凭此单到人工窗口领取');
    expect(text).not.toContain(patient.name);

    kiosk.press('1');
    await leave(stack, kiosk);
    // Nothing was paid by card here, so nothing is voided on the bank module.
    expect((await stack.posLedger()).voids).toBe(0);
    expect(await verify(stack)).toMatchObject({ txns: 1, open: { count: 0 } });
  });

  it('says plainly that the hospital runs no prepaid account, and takes nothing', async () => {
    stack = await Stack.start();
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'prepaid'] }));
    await toAccount(stack, kiosk, stack.patient.cardNo);
    await kiosk.waitFor('本院不办理门诊预交金账户');
    await kiosk.waitFor('您没有预交金余额');
    kiosk.press('1');
    await leave(stack, kiosk);
    expect(stack.printer.events('receipt')).toHaveLength(0);
    expect(await verify(stack)).toMatchObject({ txns: 0 });
  });

  it('a patient who goes back and cancels pays nothing, and one who walks away is taken back to the menu by the countdown', async () => {
    stack = await Stack.start();
    await prepaidOn(stack);
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'prepaid'] }));
    await toAccount(stack, kiosk, stack.patient.cardNo);
    await kiosk.waitFor('预交金余额: 0.00 元');
    kiosk.press('1');
    await kiosk.waitFor('请选择充值金额');
    kiosk.press('0'); // back to the account
    await kiosk.waitFor('预交金余额: 0.00 元');
    kiosk.press('0'); // exit: back to the menu
    await leave(stack, kiosk);
    await kiosk.stop();

    // A short countdown: the patient chooses nothing on the amounts screen and leaves.
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'prepaid'], timeouts: { choiceMs: 4000, takeCardMs: 5000, goodbyeMs: 1000, rpcMs: 3000, saleMs: 20_000, settleDeadlineMs: 10_000 } }));
    await toAccount(stack, kiosk, stack.patient.cardNo);
    await kiosk.waitFor('预交金余额: 0.00 元');
    kiosk.press('1');
    await kiosk.waitFor('请选择充值金额');
    // The amounts time out to the menu, the menu to the card gate.
    await kiosk.waitFor('请选择服务', 10_000);
    await kiosk.waitFor('请取走', 10_000);
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    expect(await balanceOf(stack, stack.patient.patientId)).toBe(0);
    expect((await stack.posLedger()).sales).toBe(0);
    expect(stack.printer.events('receipt')).toHaveLength(0);
    expect(await verify(stack)).toMatchObject({ txns: 0 });
  });
});
