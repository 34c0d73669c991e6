import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedPlatform } from '../../central/insurance/platform.ts';
import { formatYuan } from '../../contract/money.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * A patient settles their bills with medical insurance, end to end: the e-voucher is read at the
 * scanner, the bridge splits the bills with the national platform simulator (1101 … 2206), the
 * kiosk shows the split before any money moves, the patient pays the self-pay part by bank card,
 * the platform settles (2207) and the HIS takes the payment. Four records must agree.
 */
describe('a patient settles bills with medical insurance', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  it('shows the split before money moves, takes only the self-pay part by card, and the platform, the HIS and the receipt agree', async () => {
    stack = await Stack.start({ scanner: true, insurance: true });
    // P0002's fund pays 70 % and the personal account holds only 20.50 yuan: there is a self-pay part.
    const patient = patientOf(stack, 'P0002');
    const totalFen = patient.bills.reduce((s, b) => s + b.amountFen, 0);
    kiosk = KioskScreen.start(stack.kioskConfig());
    await kiosk.waitFor('请插入就诊卡', 90_000);
    await stack.card.control(`insert ${patient.cardNo}`);
    await kiosk.waitFor(formatYuan(totalFen));
    kiosk.press('1'); // pay
    await kiosk.waitFor('医保结算');
    kiosk.press('2'); // with insurance
    await kiosk.waitFor('请出示医保电子凭证');
    // A payment code shown by mistake is not an e-voucher: the kiosk keeps waiting.
    await stack.scanner!.control('scan 135555555555555555');
    await stack.scanner!.control(`scan ${patient.insuranceCode}`);
    await kiosk.waitFor('医保预结算结果');
    const split = kiosk.text();
    const selfFen = amountAfter(split, '个人自付');
    const fundFen = amountAfter(split, '医保统筹支付');
    const acctFen = amountAfter(split, '个人账户支付');
    expect(fundFen + acctFen + selfFen).toBe(totalFen);
    expect(selfFen).toBeGreaterThan(0);
    expect(fundFen).toBeGreaterThan(0);

    kiosk.press('1'); // settle
    await kiosk.waitFor('请选择支付方式');
    // The bank module reads the card, takes the PIN and approves by itself, as in pay-bill.test.ts.
    await stack.pos.control('auto approve 100');
    kiosk.press('1'); // bank card
    const receipt = await stack.printer.next((l) => l.event === 'receipt');
    const text = (receipt.lines as string[]).join('\n');
    await kiosk.waitFor('请取走');
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    // The bank module took only the self-pay part.
    const pos = await stack.posLedger();
    expect(pos.records.filter((r) => r.approved && !r.voided).map((r) => r.amountFen)).toEqual([selfFen]);
    // The HIS holds the bills paid; the platform holds one settlement with the same split.
    const bills = await stack.hisBills(patient.patientId);
    expect(bills.every((b) => b.paid)).toBe(true);
    const platform = SimulatedPlatform.open(path.join(stack.dir, 'insurance'));
    const settlements = platform.settlements().filter((s) => s.state === 'settled');
    platform.close();
    expect(settlements).toHaveLength(1);
    expect(settlements[0]).toMatchObject({ totalFen, fundFen, acctFen, cashFen: selfFen });
    // The receipt says what insurance paid and what the patient paid.
    expect(text).toContain(`医保统筹支付(元): ${formatYuan(fundFen)}`);
    expect(text).toContain(`个人自付(元): ${formatYuan(selfFen)}`);
    expect(text).toContain(settlements[0]!.setlId);
    // The e-voucher token is a credential: it is nowhere in the kiosk's journal.
    const db = new Database(stack.journalFile, { readonly: true });
    const journaled = db.prepare<[], { data: string }>('SELECT data FROM events').all().map((r) => r.data).join('\n');
    db.close();
    expect(journaled).toContain('"insured":true');
    expect(journaled).not.toContain(patient.insuranceCode);
    const verify = JSON.parse((await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json'])).stdout) as { open: { count: number } };
    expect(verify.open.count).toBe(0);
  });

  it('a patient who shows the e-voucher at the attract screen is identified by it, and when insurance pays it all no money is asked for', async () => {
    stack = await Stack.start({ scanner: true, insurance: true });
    // P0001's personal account covers what the fund does not.
    const patient = patientOf(stack, 'P0001');
    const totalFen = patient.bills.reduce((s, b) => s + b.amountFen, 0);
    kiosk = KioskScreen.start(stack.kioskConfig());
    await kiosk.waitFor('请插入就诊卡', 90_000);
    await stack.scanner!.control(`scan ${patient.insuranceCode}`);
    await kiosk.waitFor(formatYuan(totalFen));
    kiosk.press('1'); // pay
    await kiosk.waitFor('医保结算');
    kiosk.press('2'); // with insurance: the e-voucher is already known, so no second scan
    await kiosk.waitFor('医保预结算结果');
    expect(amountAfter(kiosk.text(), '个人自付')).toBe(0);
    kiosk.press('1'); // settle
    const receipt = await stack.printer.next((l) => l.event === 'receipt');
    const text = (receipt.lines as string[]).join('\n');
    // No card in the reader: the visit ends without the gate.
    await kiosk.waitFor('请插入就诊卡', 60_000);

    expect((await stack.posLedger()).sales).toBe(0);
    expect((await stack.card.control('state')).cardAt).not.toBe('gate');
    expect((await stack.hisBills(patient.patientId)).every((b) => b.paid)).toBe(true);
    const platform = SimulatedPlatform.open(path.join(stack.dir, 'insurance'));
    const settled = platform.settlements().filter((s) => s.state === 'settled');
    platform.close();
    expect(settled).toHaveLength(1);
    expect(settled[0]!.cashFen).toBe(0);
    expect(text).toContain('个人自付(元): 0.00');
  });

  it('a patient who leaves at the split pays nothing, and nothing stays open at the kiosk or at the platform', async () => {
    stack = await Stack.start({ scanner: true, insurance: true });
    const patient = patientOf(stack, 'P0003');
    const totalFen = patient.bills.reduce((s, b) => s + b.amountFen, 0);
    kiosk = KioskScreen.start(stack.kioskConfig());
    await toSplit(stack, kiosk, patient, totalFen);
    kiosk.press('0'); // cancel at the split
    await kiosk.waitFor('请取走');
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    expect((await stack.hisBills(patient.patientId)).some((b) => b.paid)).toBe(false);
    expect((await stack.posLedger()).sales).toBe(0);
    const platform = SimulatedPlatform.open(path.join(stack.dir, 'insurance'));
    const settled = platform.settlements().filter((s) => s.state === 'settled');
    platform.close();
    expect(settled).toHaveLength(0);
    const verify = JSON.parse((await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json'])).stdout) as { open: { count: number } };
    expect(verify.open.count).toBe(0);
  });
});

type SeededPatient = Stack['patients'][number] & { insuranceCode: string };

function patientOf(stack: Stack, patientId: string): SeededPatient {
  const p = stack.patients.find((q) => q.patientId === patientId);
  if (!p?.insuranceCode) throw new Error(`no seeded insured patient ${patientId}`);
  return p as SeededPatient;
}

/** Card in, pay, "with insurance", the e-voucher at the scanner: the split screen. */
async function toSplit(stack: Stack, kiosk: KioskScreen, patient: SeededPatient, totalFen: number): Promise<void> {
  await kiosk.waitFor('请插入就诊卡', 90_000);
  await stack.card.control(`insert ${patient.cardNo}`);
  await kiosk.waitFor(formatYuan(totalFen));
  kiosk.press('1');
  await kiosk.waitFor('医保结算');
  kiosk.press('2');
  await kiosk.waitFor('请出示医保电子凭证');
  await stack.scanner!.control(`scan ${patient.insuranceCode}`);
  await kiosk.waitFor('医保预结算结果');
}

/** The amount on the split screen's line that starts with `label`, in fen. */
function amountAfter(screen: string, label: string): number {
  const m = new RegExp(`${label}: ([0-9]+\\.[0-9]{2})`).exec(screen);
  if (!m) throw new Error(`no "${label}" amount on screen:\n${screen}`);
  return Math.round(Number(m[1]) * 100);
}
