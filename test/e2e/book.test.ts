import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HisSimulator } from '../../central/his/simulator.ts';
import { hospitalToday } from '../../runtime/flows/register.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * Booking ahead, end to end: the days offered start tomorrow (the simulated HIS's days are the wall
 * clock's in Asia/Shanghai), 内科's 吴晓梅 holds a session every day, and the HIS keeps the booking
 * unpaid until check-in. Also a patient who goes quiet on a picking screen: the kiosk goes back to
 * the menu, and then gives the card back.
 */
const DOCTOR = { doctorId: 'E002', name: '吴晓梅', feeFen: 2500 };

function keyOf(kiosk: KioskScreen, label: string): string {
  const m = new RegExp(`\\[(\\d)\\] ${label}`).exec(kiosk.text());
  if (!m) throw new Error(`no choice "${label}" on screen:\n${kiosk.text()}`);
  return m[1]!;
}

async function toBooking(stack: Stack, kiosk: KioskScreen): Promise<void> {
  await kiosk.waitFor('请插入就诊卡', 90_000);
  await stack.card.control(`insert ${stack.patient.cardNo}`);
  await kiosk.waitFor('请选择服务');
  kiosk.press('2');
  await kiosk.waitFor('请选择就诊日期');
}

describe('a patient books an appointment for a later day', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  it('picks tomorrow, a doctor and a session; the HIS holds it booked and unpaid, and the slip comes out', { timeout: 120_000 }, async () => {
    stack = await Stack.start();
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'book'] }));
    await toBooking(stack, kiosk);
    const tomorrow = hospitalToday(new Date(Date.now() + 86_400_000));
    // The first day offered is tomorrow: today is registration's.
    expect(kiosk.text()).toContain(`[1] ${tomorrow.slice(5)}`);
    kiosk.press('1');
    await kiosk.waitFor('请选择科室');
    kiosk.press(keyOf(kiosk, '内科'));
    await kiosk.waitFor(DOCTOR.name);
    kiosk.press(keyOf(kiosk, DOCTOR.name));
    await kiosk.waitFor('请选择就诊时段');
    kiosk.press('1');
    await kiosk.waitFor('请确认预约信息');
    expect(kiosk.text()).toContain('25.00');

    const printed = stack.printer.lines.length;
    kiosk.press('1');
    const slip = await stack.printer.find((l) => l.event === 'receipt', printed, 60_000);
    await kiosk.waitFor('预约成功', 60_000);

    const his = HisSimulator.open(path.join(stack.dir, 'his'));
    const { appointments } = await his.listAppointments({ patientId: stack.patient.patientId });
    his.close();
    expect(appointments).toHaveLength(1);
    const a = appointments[0]!;
    expect(a).toMatchObject({ doctorId: DOCTOR.doctorId, date: tomorrow, period: 'morning', paid: false, state: 'booked', feeFen: DOCTOR.feeFen });
    expect(kiosk.text()).toContain(a.appointmentNo);

    const text = (slip.lines as string[]).join('\n');
    expect(text).toContain('预约挂号凭条');
    expect(text).toContain(a.appointmentNo);
    expect(text).toContain(`${a.date} 上午`);
    expect(text).toContain(a.visitTime);
    expect(text).toContain(a.location);
    expect(text).toContain('25.00');
    expect(text).not.toContain(stack.patient.name);
    expect(slip.qr).toEqual([a.appointmentNo]);

    kiosk.press('1');
    await kiosk.waitFor('请选择服务');
    kiosk.press('0');
    await kiosk.waitFor('请取走');
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');
    await kiosk.stop();

    // No money moved: no transaction, and the trade's intent and result are facts in the journal.
    expect((await stack.posLedger()).sales).toBe(0);
    const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ txns: 0, open: { count: 0 } });
    const db = new Database(stack.journalFile, { readonly: true });
    const facts = db.prepare("SELECT type, data FROM events WHERE type LIKE 'appointment.%' ORDER BY seq").all() as { type: string; data: string }[];
    db.close();
    expect(facts.map((f) => f.type)).toEqual(['appointment.book.intent', 'appointment.book.result', 'appointment.slip.printed']);
    expect(JSON.parse(facts[1]!.data)).toEqual({ booked: true, appointmentNo: a.appointmentNo });
  });

  it('goes back to the menu when the patient goes quiet on a picking screen, and then gives the card back', { timeout: 90_000 }, async () => {
    stack = await Stack.start();
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'book'], timeouts: { choiceMs: 4000, takeCardMs: 5000, goodbyeMs: 1000, rpcMs: 3000, saleMs: 20_000, settleDeadlineMs: 10_000 } }));
    await toBooking(stack, kiosk);
    kiosk.press('1');
    await kiosk.waitFor('请选择科室');
    // Nobody touches the screen: the countdown ends the flow, and the menu's own ends the visit.
    await kiosk.waitFor('请选择服务', 15_000);
    await kiosk.waitFor('请取走', 15_000);
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    const his = HisSimulator.open(path.join(stack.dir, 'his'));
    expect((await his.listAppointments({ patientId: stack.patient.patientId })).appointments).toHaveLength(0);
    his.close();
  });
});
