import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toPayment } from '../helpers/journeys.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * A patient pays by WeChat payment code, end to end: the scanner simulator sends the code over a
 * pty, the bridge collects it from the WeChat Pay simulator (real signing, its own ledger) and
 * settles with the HIS; or, when the HIS refuses, refunds it on the channel.
 */
describe('a patient pays outstanding bills with a WeChat payment code', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  async function toQrScreen(s: Stack, k: KioskScreen, totalFen: number) {
    await toPayment(s, k, s.patient.cardNo, totalFen, '2'); // card is 1, WeChat/Alipay 2
    await k.waitFor('付款码');
  }

  it('reads the code, central collects it, the HIS settles, and the receipt names the WeChat trade', async () => {
    stack = await Stack.start({ scanner: true });
    const totalFen = stack.patient.bills.reduce((s, b) => s + b.amountFen, 0);
    kiosk = KioskScreen.start(stack.kioskConfig());
    await toQrScreen(stack, kiosk, totalFen);

    const printed = stack.printer.lines.length;
    await stack.scanner!.control('scan 135555555555555555');
    const receipt = await stack.printer.find((l) => l.event === 'receipt', printed);
    const text = (receipt.lines as string[]).join('\n');
    expect(text).toContain('门诊缴费凭证');
    expect(text).toContain('微信支付');
    expect(text).not.toContain('135555555555555555');
    await kiosk.waitFor('请取走');
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    expect((await stack.hisBills()).every((b) => b.paid)).toBe(true);
    const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ txns: 1, open: { count: 0 } });
  });

  it('when the HIS refuses after the code was paid, central refunds it on WeChat and the kiosk prints why', async () => {
    stack = await Stack.start({ scanner: true });
    const totalFen = stack.patient.bills.reduce((s, b) => s + b.amountFen, 0);
    const fault = await runZizhu(['his-sim', 'fault', '--data', path.join(stack.dir, 'his'), '--fn', 'settle', '--mode', 'error', '--code', 'REJECTED', '--once']);
    expect(fault.code).toBe(0);
    kiosk = KioskScreen.start(stack.kioskConfig());
    await toQrScreen(stack, kiosk, totalFen);

    const printed = stack.printer.lines.length;
    await stack.scanner!.control('scan 135555555555555556');
    const slip = await stack.printer.find((l) => l.event === 'receipt', printed);
    const text = (slip.lines as string[]).join('\n');
    expect(text).toContain('款项已撤销');
    expect(text).toContain('微信支付');
    await kiosk.waitFor('请取走');
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    expect((await stack.hisBills()).some((b) => b.paid)).toBe(false);
    const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    const report = JSON.parse(verify.stdout) as { txns: number; open: { count: number } };
    expect(report.open.count).toBe(0);
  });
});
