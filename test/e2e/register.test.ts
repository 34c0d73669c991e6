import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HisSimulator } from '../../central/his/simulator.ts';
import { formatYuan } from '../../contract/money.ts';
import { hospitalToday } from '../../runtime/flows/register.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * Registration today, end to end, against the simulated HIS, whose "today" is the wall clock's
 * day in Asia/Shanghai: 内科's 吴晓梅 (主治医师, 25.00 yuan) holds a session every morning and
 * afternoon, so a number is left until the afternoon session ends at 17:00. The journeys run while
 * one is; after it, the kiosk must say no number is left today. (Between 16:50 and 17:00 neither
 * runs: a journey started then could see the session end under it.)
 */
const DOCTOR = { doctorId: 'E002', name: '吴晓梅', feeFen: 2500 };
const shanghaiMinutes = () => {
  const [h, m] = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date()).split(':').map(Number);
  return h! * 60 + m!;
};
const sessionsLeft = shanghaiMinutes() < 16 * 60 + 50;
const afterSessions = shanghaiMinutes() >= 17 * 60;

/** The number key a screen shows for a choice, read off the screen as a patient would. */
function keyOf(kiosk: KioskScreen, label: string): string {
  const m = new RegExp(`\\[(\\d)\\] ${label}`).exec(kiosk.text());
  if (!m) throw new Error(`no choice "${label}" on screen:\n${kiosk.text()}`);
  return m[1]!;
}

async function hisOf<T>(stack: Stack, ask: (his: HisSimulator) => Promise<T>): Promise<T> {
  const his = HisSimulator.open(path.join(stack.dir, 'his'));
  try {
    return await ask(his);
  } finally {
    his.close();
  }
}

/** The doctor's first session today with a number left: the one the session screen lists first. */
async function firstSession(stack: Stack) {
  const { slots } = await hisOf(stack, (his) => his.querySchedule({ date: hospitalToday(), doctorId: DOCTOR.doctorId }));
  const open = slots.filter((s) => s.remaining > 0).sort((a, b) => (a.period === b.period ? 0 : a.period === 'morning' ? -1 : 1));
  return open[0]!;
}

/** Card in, 当日挂号 (key 2 of the menu), 内科, 吴晓梅, the first session: the confirm screen with the fee. */
async function toConfirm(stack: Stack, kiosk: KioskScreen): Promise<void> {
  await kiosk.waitFor('请插入就诊卡', 90_000);
  await stack.card.control(`insert ${stack.patient.cardNo}`);
  await kiosk.waitFor('请选择服务');
  kiosk.press('2');
  await kiosk.waitFor('请选择科室');
  kiosk.press(keyOf(kiosk, '内科'));
  await kiosk.waitFor(DOCTOR.name);
  kiosk.press(keyOf(kiosk, DOCTOR.name));
  await kiosk.waitFor('请选择就诊时段');
  kiosk.press('1');
  await kiosk.waitFor('请确认挂号信息');
  expect(kiosk.text()).toContain(formatYuan(DOCTOR.feeFen));
}

async function leave(stack: Stack, kiosk: KioskScreen): Promise<void> {
  await kiosk.waitFor('请选择服务');
  kiosk.press('0');
  await kiosk.waitFor('请取走');
  await stack.card.control('take');
  await kiosk.waitFor('请插入就诊卡');
}

async function verifyJournal(stack: Stack): Promise<{ txns: number; open: { count: number } }> {
  const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
  expect(verify.code, verify.stdout).toBe(0);
  return JSON.parse(verify.stdout) as { txns: number; open: { count: number } };
}

describe('a patient registers for today at the kiosk', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  it.runIf(sessionsLeft)('picks a doctor and session, pays the fee by bank card, and gets a queue number on screen, on the receipt and at the HIS', { timeout: 120_000 }, async () => {
    stack = await Stack.start();
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'register'] }));
    await toConfirm(stack, kiosk);
    const slot = await firstSession(stack);

    // The patient puts the card in the bank module and types the PIN; the bank approves.
    await stack.pos.control('auto approve 100');
    const printed = stack.printer.lines.length;
    kiosk.press('1');
    const receipt = await stack.printer.find((l) => l.event === 'receipt', printed, 60_000);
    await kiosk.waitFor('挂号成功', 60_000);
    const seeNo = /就诊序号: (\d+)/.exec(kiosk.text())?.[1];
    expect(seeNo).toBeDefined();

    const { appointments } = await hisOf(stack, (his) => his.listAppointments({ patientId: stack!.patient.patientId }));
    expect(appointments).toHaveLength(1);
    const a = appointments[0]!;
    expect(a).toMatchObject({ slotId: slot.slotId, doctorId: DOCTOR.doctorId, date: hospitalToday(), paid: true, state: 'checkedIn', seeNo: Number(seeNo), feeFen: DOCTOR.feeFen });

    const text = (receipt.lines as string[]).join('\n');
    expect(text).toContain('挂号凭证');
    expect(text).toContain(formatYuan(DOCTOR.feeFen));
    expect(text).toContain(`就诊序号: ${a.seeNo}`);
    expect(text).toContain(`就诊地点: ${a.location}`);
    expect(text).toContain(`就诊时间: ${a.date} ${a.visitTime}`);
    expect(text).not.toContain(stack.patient.name);

    kiosk.press('1');
    await leave(stack, kiosk);
    const ledger = await stack.posLedger();
    expect(ledger.records.filter((r) => r.approved && !r.voided)).toHaveLength(1);
    expect(ledger.records[0]!.amountFen).toBe(DOCTOR.feeFen);
    expect(await verifyJournal(stack)).toMatchObject({ txns: 1, open: { count: 0 } });
  });

  it.runIf(sessionsLeft)('gives the number back at once when the patient cancels at the payment screen after it was locked', { timeout: 120_000 }, async () => {
    // Card and WeChat/Alipay: the patient is asked how to pay, and may cancel there.
    stack = await Stack.start({ scanner: true });
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'register'] }));
    await toConfirm(stack, kiosk);
    const before = await firstSession(stack);

    kiosk.press('1');
    await kiosk.waitFor('请选择支付方式');
    const locked = await hisOf(stack, (his) => his.querySchedule({ date: before.date, doctorId: DOCTOR.doctorId }));
    expect(locked.slots.find((s) => s.slotId === before.slotId)!.remaining).toBe(before.remaining - 1);

    kiosk.press('0');
    await kiosk.waitFor('请选择服务');
    const after = await hisOf(stack, (his) => his.querySchedule({ date: before.date, doctorId: DOCTOR.doctorId }));
    expect(after.slots.find((s) => s.slotId === before.slotId)!.remaining).toBe(before.remaining);
    expect((await hisOf(stack, (his) => his.listAppointments({ patientId: stack!.patient.patientId }))).appointments).toHaveLength(0);

    await leave(stack, kiosk);
    expect((await stack.posLedger()).sales).toBe(0);
    expect(await verifyJournal(stack)).toMatchObject({ txns: 1, open: { count: 0 } });
  });

  it.runIf(afterSessions)('says no number is left today once the last session is over', async () => {
    stack = await Stack.start();
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'register'] }));
    await kiosk.waitFor('请插入就诊卡', 90_000);
    await stack.card.control(`insert ${stack.patient.cardNo}`);
    await kiosk.waitFor('请选择服务');
    kiosk.press('2');
    await kiosk.waitFor('今天已没有可挂的号');
    kiosk.press('1');
    await leave(stack, kiosk);
    expect(await verifyJournal(stack)).toMatchObject({ txns: 0 });
  });
});
