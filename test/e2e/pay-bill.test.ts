import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatYuan } from '../../contract/money.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

describe('a patient pays an outstanding bill by bank card, end to end', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  it('reads the card, shows the bills, takes the card payment, settles with the HIS and prints the receipt', async () => {
    stack = await Stack.start();
    const totalFen = stack.patient.bills.reduce((s, b) => s + b.amountFen, 0);
    kiosk = KioskScreen.start(stack.kioskConfig());
    await kiosk.waitFor('请插入就诊卡');

    await stack.card.control(`insert ${stack.patient.cardNo}`);
    await kiosk.waitFor(formatYuan(totalFen));
    kiosk.press('1'); // pay
    await kiosk.waitFor('确认');
    // The patient puts the card in the bank module and types the PIN; the bank approves.
    await stack.pos.control('auto approve 100');
    kiosk.press('1'); // confirm
    await kiosk.waitFor(/密码|插卡|处理/);

    const receipt = await stack.printer.next((l) => l.event === 'receipt');
    const text = (receipt.lines as string[]).join('\n');
    expect(text).toContain(formatYuan(totalFen));
    await kiosk.waitFor('请取走');
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    const bills = await stack.hisBills();
    expect(bills.every((b) => b.paid)).toBe(true);
    const receiptNo = bills[0]!.hisReceiptNo!;
    expect(text).toContain(receiptNo);
    // What next, as the HIS assigned it with the settlement: blood drawn at the lab for the tests, then the drugs at a pharmacy window.
    expect(text).toContain('下一步: 抽血化验 - 检验科 采血处 (医技楼1层)');
    expect(text).toMatch(/下一步: 取药 - 门诊西药房 [1-4]号窗口 \(门诊楼1层\)/);
    expect((receipt.qr as string[])[0]).toMatch(/^[0-9A-Z]{26}$/);
    expect(text).not.toContain(stack.patient.name);

    const ledger = await stack.posLedger();
    expect(ledger.sales).toBe(1);
    expect(ledger.records.filter((r) => r.approved && !r.voided)).toHaveLength(1);

    const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
    expect(verify.code).toBe(0);
    const report = JSON.parse(verify.stdout) as { txns: number; open: { count: number } };
    expect(report.txns).toBe(1);
    expect(report.open.count).toBe(0);

    // Personal-data canary: the fixture patient's name and ID number reach no journal, ledger or log.
    await kiosk.stop();
    for (const file of ['journal.sqlite', 'journal.sqlite-wal', 'ledger.sqlite', 'ledger.sqlite-wal', 'kiosk.log', 'bridge.log']) {
      const p = path.join(stack.dir, file);
      if (!fs.existsSync(p)) continue;
      const bytes = fs.readFileSync(p);
      expect(bytes.includes(Buffer.from(stack.patient.name)), `${file} holds the patient's name`).toBe(false);
      expect(bytes.includes(Buffer.from(stack.patient.idNumber)), `${file} holds the ID number`).toBe(false);
    }
  });

  it('voids the card sale when the HIS definitely refuses, and prints a slip saying the money went back', async () => {
    stack = await Stack.start();
    const totalFen = stack.patient.bills.reduce((s, b) => s + b.amountFen, 0);
    const fault = await runZizhu(['his-sim', 'fault', '--data', path.join(stack.dir, 'his'), '--fn', 'settle', '--mode', 'error', '--code', 'REJECTED', '--once']);
    expect(fault.code).toBe(0);
    kiosk = KioskScreen.start(stack.kioskConfig());
    await kiosk.waitFor('请插入就诊卡');
    await stack.card.control(`insert ${stack.patient.cardNo}`);
    await kiosk.waitFor(formatYuan(totalFen));
    await stack.pos.control('auto approve 100');
    kiosk.press('1');
    await kiosk.waitFor('确认');
    kiosk.press('1');

    const slip = await stack.printer.next((l) => l.event === 'receipt');
    expect((slip.lines as string[]).join('\n')).toContain('已撤销');
    await kiosk.waitFor('请取走');
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    expect((await stack.hisBills()).some((b) => b.paid)).toBe(false);
    const ledger = await stack.posLedger();
    expect(ledger.voids).toBe(1);
    expect(ledger.records.filter((r) => r.transType !== 'void' && r.approved && !r.voided)).toHaveLength(0);
    const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
    expect(verify.code).toBe(0);
  });

  it('works the same over mutual TLS, with the kiosk and the bridge each on its own certificate', async () => {
    stack = await Stack.start({ tls: true });
    expect(stack.broker.url).toMatch(/^mqtts:/);
    const totalFen = stack.patient.bills.reduce((s, b) => s + b.amountFen, 0);
    kiosk = KioskScreen.start(stack.kioskConfig());
    await kiosk.waitFor('请插入就诊卡');
    await stack.card.control(`insert ${stack.patient.cardNo}`);
    await kiosk.waitFor(formatYuan(totalFen));
    await stack.pos.control('auto approve 100');
    kiosk.press('1');
    await kiosk.waitFor('确认');
    kiosk.press('1');
    await kiosk.waitFor('请取走');
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');
    expect((await stack.hisBills()).every((b) => b.paid)).toBe(true);
  });
});
