import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatYuan } from '../../contract/money.ts';
import type { InpatientInfoResult } from '../../contract/rpc.ts';
import { HisSimulator } from '../../central/his/simulator.ts';
import type { KioskConfig } from '../../runtime/config.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * Self-service discharge (出院结算) end to end against the simulated HIS: a stay with something
 * due is paid by card; a stay whose deposits exceed the bill gets the surplus back the way each
 * deposit came in (a card deposit paid at this kiosk is voided on the bank module, the rest is
 * owed at a counter against the slip); a stay without a discharge order is refused with the
 * reason; a patient who walks away from the split pays nothing and leaves nothing open.
 */
describe('an inpatient settles the discharge at the kiosk', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  function his<T>(s: Stack, read: (h: HisSimulator) => T): T {
    const h = HisSimulator.open(path.join(s.dir, 'his'));
    try {
      return read(h);
    } finally {
      h.close();
    }
  }

  const stayOf = (s: Stack, patientId: string): Promise<InpatientInfoResult> => his(s, (h) => h.inpatientInfo({ patientId }));

  /** A seeded inpatient whose stay is as `wanted` says, with the card they identify with. */
  async function inpatient(s: Stack, wanted: (a: InpatientInfoResult) => boolean) {
    const admitted = his(s, (h) => h.fixtures().admissions);
    for (const a of admitted) {
      const stay = await stayOf(s, a.patientId);
      const patient = s.patients.find((p) => p.patientId === a.patientId);
      if (patient && wanted(stay)) return { patient, stay };
    }
    throw new Error('no seeded inpatient fits this test');
  }

  function config(s: Stack, change: (c: KioskConfig) => void = () => undefined): string {
    const file = s.kioskConfig({ flows: ['bills', 'deposit', 'discharge'] });
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as KioskConfig;
    change(c);
    fs.writeFileSync(file, JSON.stringify(c));
    return file;
  }

  async function toMenu(s: Stack, k: KioskScreen, cardNo: string) {
    await k.waitFor('请插入就诊卡', 90_000);
    await s.card.control(`insert ${cardNo}`);
    await k.waitFor('请选择服务');
  }

  async function leave(s: Stack, k: KioskScreen) {
    await k.waitFor('请选择服务');
    k.press('0');
    await k.waitFor('请取走');
    await s.card.control('take');
    await k.waitFor('请插入就诊卡');
  }

  async function verify(s: Stack): Promise<{ txns: number; open: { count: number }; pending: { count: number } }> {
    const run = await runZizhu(['journal', 'verify', '--db', s.journalFile, '--json']);
    expect(run.code, run.stdout).toBe(0);
    return JSON.parse(run.stdout) as { txns: number; open: { count: number }; pending: { count: number } };
  }

  it('shows the split, takes what the deposits do not cover by card, and prints the invoice number', async () => {
    stack = await Stack.start();
    // Uninsured, so what is due is the costs less the deposits.
    const { patient, stay } = await inpatient(stack, (a) => a.dischargeOrdered && !a.insured && a.costFen > a.depositFen);
    const dueFen = stay.costFen - stay.depositFen;
    kiosk = KioskScreen.start(config(stack));
    await toMenu(stack, kiosk, patient.cardNo);
    kiosk.press('3');
    await kiosk.waitFor('需补缴');
    await kiosk.waitFor(formatYuan(dueFen));
    await kiosk.waitFor(formatYuan(stay.costFen));
    await stack.pos.control('auto approve 100');
    const printed = stack.printer.lines.length;
    kiosk.press('1');

    const receipt = await stack.printer.find((l) => l.event === 'receipt', printed);
    await kiosk.waitFor('出院结算完成');
    const invoice = /电子票据号: (FP\d+)/.exec(kiosk.text())?.[1];
    expect(invoice).toBeDefined();
    const text = (receipt.lines as string[]).join('\n');
    expect(text).toContain('出院结算凭证');
    expect(text).toContain(`电子票据号: ${invoice}`);
    expect(text).toContain(`出院补缴(元): ${formatYuan(dueFen)}`);
    expect(text).toContain(`医疗费用合计(元): ${formatYuan(stay.costFen)}`);
    expect(text).not.toContain(patient.name);
    kiosk.press('1');
    await leave(stack, kiosk);

    expect((await stayOf(stack, patient.patientId)).state).toBe('discharged');
    const ledger = await stack.posLedger();
    expect(ledger.records.filter((r) => r.approved && !r.voided).map((r) => r.amountFen)).toEqual([dueFen]);
    expect(await verify(stack)).toMatchObject({ txns: 1, open: { count: 0 }, pending: { count: 0 } });
  });

  it('gives the surplus back: a card deposit paid here is voided on the bank module, the rest is owed at a counter', async () => {
    stack = await Stack.start();
    const { patient, stay } = await inpatient(stack, (a) => a.dischargeOrdered && a.insured && a.state === 'inHospital');
    kiosk = KioskScreen.start(config(stack));
    await toMenu(stack, kiosk, patient.cardNo);

    // Earlier in the visit: a 1000 yuan deposit by card.
    kiosk.press('2');
    await kiosk.waitFor(stay.admissionNo);
    kiosk.press('1');
    await kiosk.waitFor('请选择预交金额');
    kiosk.press('2');
    await kiosk.waitFor('缴纳金额: 1000.00 元');
    await stack.pos.control('auto approve 100');
    kiosk.press('1');
    await kiosk.waitFor('预交金缴纳成功');
    kiosk.press('1');
    await kiosk.waitFor('请选择服务');
    const deposited = (await stack.posLedger()).records.find((r) => r.approved && r.transType === 'sale')!;
    expect(deposited.amountFen).toBe(100_000);

    kiosk.press('3');
    await kiosk.waitFor('退还预交金');
    const surplus = /退还预交金\s+([\d.]+) 元/.exec(kiosk.text())?.[1];
    expect(surplus).toBeDefined();
    const printed = stack.printer.lines.length;
    kiosk.press('1');
    await kiosk.waitFor('出院结算完成', 60_000);
    await kiosk.waitFor('1000.00 元 已退回银行卡');
    await kiosk.waitFor('请凭凭条到人工窗口领取');
    const screen = kiosk.text();
    const invoice = /电子票据号: (FP\d+)/.exec(screen)?.[1];
    expect(invoice).toBeDefined();

    // The bank module voided the deposit's sale, under the discharge's refund order id.
    const ledger = await stack.posLedger();
    expect(ledger.voids).toBe(1);
    expect(ledger.records.find((r) => r.orderId === deposited.orderId && r.transType === 'sale')?.voided).toBe(true);
    const voided = ledger.records.find((r) => r.transType === 'void')!;
    expect(voided).toMatchObject({ approved: true, amountFen: 100_000 });
    expect(voided.orderId).toMatch(/^[0-9A-Z]{26}R1$/);

    const after = await stayOf(stack, patient.patientId);
    expect(after.state).toBe('discharged');
    // Two slips: the settlement with its invoice number, then where each refund went.
    const slips = stack.printer.lines.slice(printed).filter((l) => l.event === 'receipt').map((l) => (l.lines as string[]).join('\n'));
    expect(slips).toHaveLength(2);
    expect(slips[0]).toContain('出院结算凭证');
    expect(slips[0]).toContain(invoice);
    expect(slips[1]).toContain('已退回银行卡');
    expect(slips[1]).toContain('凭此单到人工窗口领取');
    // Every fen of the surplus the split showed is on the refund slip, the card's 1000.00 among it.
    const refunded = [...slips[1]!.matchAll(/退款\(元\)\s+([\d.]+)/g)].map((m) => m[1]!);
    expect(refunded).toContain('1000.00');
    expect(formatYuan(refunded.reduce((sum, y) => sum + Math.round(Number(y) * 100), 0))).toBe(surplus);
    expect(slips[0]).toContain(surplus);
    kiosk.press('1');
    await leave(stack, kiosk);

    // The kiosk told central the card refund went through (a fact through the outbox); central's ledger closes it.
    await expect.poll(() => ledgerRows(stack!, 'SELECT instruction, state FROM refunds').filter((r) => JSON.parse(String(r.instruction)).method === 'card' && JSON.parse(String(r.instruction)).action === 'void').map((r) => r.state), { timeout: 20_000 }).toEqual(['done']);
    expect(await verify(stack)).toMatchObject({ txns: 2, open: { count: 0 }, pending: { count: 0 } });
  }, 120_000);

  it('tells a patient without a discharge order why, and opens nothing', async () => {
    stack = await Stack.start();
    const { patient } = await inpatient(stack, (a) => !a.dischargeOrdered && a.state === 'inHospital');
    kiosk = KioskScreen.start(config(stack));
    await toMenu(stack, kiosk, patient.cardNo);
    kiosk.press('3');
    await kiosk.waitFor('暂不能在本机办理出院结算');
    await kiosk.waitFor('医生尚未开具出院医嘱');
    kiosk.press('1');
    await leave(stack, kiosk);
    expect((await stayOf(stack, patient.patientId)).state).toBe('inHospital');
    expect(await verify(stack)).toMatchObject({ txns: 0 });
  });

  it('releases the pre-settlement when the patient walks away from the split: nothing paid, nothing left open', async () => {
    stack = await Stack.start();
    const { patient } = await inpatient(stack, (a) => a.dischargeOrdered && !a.insured);
    kiosk = KioskScreen.start(config(stack, (c) => (c.timeouts.choiceMs = 5000)));
    await toMenu(stack, kiosk, patient.cardNo);
    kiosk.press('3');
    await kiosk.waitFor('确认结算');
    const shownAt = Date.now();
    // Nobody touches the kiosk: the split times out, then the menu, then the card comes out.
    await kiosk.waitFor('请选择服务', 30_000);
    expect(Date.now() - shownAt).toBeGreaterThan(3000);
    await kiosk.waitFor('请取走', 30_000);
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    expect((await stayOf(stack, patient.patientId)).state).toBe('inHospital');
    expect((await stack.posLedger()).sales).toBe(0);
    await kiosk.stop();
    const db = new Database(stack.journalFile, { readonly: true });
    const txns = db.prepare('SELECT kind, state FROM txns').all();
    db.close();
    expect(txns).toEqual([{ kind: 'discharge.settle', state: 'ABANDONED' }]);
    // Central heard it too: its pre-settled transaction can never be settled late.
    await expect.poll(() => ledgerRows(stack!, "SELECT state FROM txns WHERE kind = 'discharge.preSettle'").map((r) => r.state), { timeout: 20_000 }).toEqual(['ABANDONED']);
    expect(await verify(stack)).toMatchObject({ txns: 1, open: { count: 0 } });
  }, 120_000);
});

/** Rows of central's own ledger. */
function ledgerRows(stack: Stack, sql: string): Record<string, unknown>[] {
  const db = new Database(path.join(stack.dir, 'ledger.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}
