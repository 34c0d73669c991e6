import { afterEach, describe, expect, it } from 'vitest';
import { formatYuan } from '../../contract/money.ts';
import { toPayment } from '../helpers/journeys.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * A patient pays bills in cash, end to end: the bill acceptor simulator takes real SSP bytes, the
 * bridge settles with the HIS, and the kiosk owes any change on a printed voucher (it gives no coins).
 */
describe('a patient pays outstanding bills in cash', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  async function toCashScreen(s: Stack, k: KioskScreen, totalFen: number) {
    await toPayment(s, k, s.patient.cardNo, totalFen, '2'); // card is 1, cash 2
    await k.waitFor('请投入纸币');
  }

  it('takes 100-yuan notes until the bills are paid, applies them, and prints the receipt and a change voucher', async () => {
    stack = await Stack.start({ cash: true });
    const totalFen = stack.patient.bills.reduce((s, b) => s + b.amountFen, 0);
    kiosk = KioskScreen.start(stack.kioskConfig());
    await toCashScreen(stack, kiosk, totalFen);

    const notes = Math.ceil(totalFen / 10_000);
    const printed = stack.printer.lines.length;
    for (let i = 1; i <= notes; i++) {
      expect(await stack.feedNote(10_000)).toBe('stacked');
      if (i < notes) await kiosk.waitFor(`已投入: ${formatYuan(i * 10_000)}`);
    }
    const insertedFen = notes * 10_000;
    const changeFen = insertedFen - totalFen;

    const receipt = await stack.printer.find((l) => l.event === 'receipt', printed);
    const text = (receipt.lines as string[]).join('\n');
    expect(text).toContain('门诊缴费凭证');
    expect(text).toContain(formatYuan(insertedFen));
    if (changeFen > 0) {
      const voucher = await stack.printer.find((l) => l.event === 'receipt' && (l.lines as string[]).some((x) => x.includes('现金找零凭证')), printed);
      expect((voucher.lines as string[]).join('\n')).toContain(formatYuan(changeFen));
    }
    await kiosk.waitFor('请取走');
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    expect((await stack.hisBills()).every((b) => b.paid)).toBe(true);
    const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ txns: 1, open: { count: 0 } });
    const state = await stack.cash!.control('state');
    expect(JSON.stringify(state)).toContain('10000');
  });

  it('owes back on a voucher the notes of a patient who cancels half-way, and leaves the bills unpaid', async () => {
    stack = await Stack.start({ cash: true });
    const totalFen = stack.patient.bills.reduce((s, b) => s + b.amountFen, 0);
    expect(totalFen).toBeGreaterThan(1000);
    kiosk = KioskScreen.start(stack.kioskConfig());
    await toCashScreen(stack, kiosk, totalFen);

    expect(await stack.feedNote(1000)).toBe('stacked');
    await kiosk.waitFor(`已投入: ${formatYuan(1000)}`);
    kiosk.press('0'); // cancel

    const voucher = await stack.printer.find((l) => l.event === 'receipt' && (l.lines as string[]).some((x) => x.includes('现金退款凭证')));
    expect((voucher.lines as string[]).join('\n')).toContain(formatYuan(1000));
    await kiosk.waitFor('请取走');
    await stack.card.control('take');
    await kiosk.waitFor('退款凭证');
    await kiosk.waitFor('请插入就诊卡');

    expect((await stack.hisBills()).some((b) => b.paid)).toBe(false);
    const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ txns: 1, open: { count: 0 } });
  });
});
