import path from 'node:path';
import { ulid } from 'ulid';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startBroker, type RunningBroker } from '../../central/broker/mosquitto.ts';
import { HisSimulator } from '../../central/his/simulator.ts';
import { formatYuan } from '../../contract/money.ts';
import type { AppointmentView, RegisterResult, SlotLockResult } from '../../contract/rpc.ts';
import { PaymentModule } from '../../drivers/pos/driver.ts';
import { Kiosk } from '../central/bridge/harness.ts';
import { KioskExited, KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * My appointments, end to end (issue 5 §4): a today's booking checked in with its fee paid by
 * bank card, one paid at booking checked in as a trade, a card-paid appointment cancelled with the
 * sale voided on the bank module, and a cancel confirmation left to time out. The HIS simulator's
 * own records, the bank module's ledger, the printed slips and the kiosk's journal are the proof.
 */
const flows = { flows: ['bills', 'appointments'] as ['bills', 'appointments'] };
const timeouts = { choiceMs: 20_000, takeCardMs: 5000, goodbyeMs: 1000, rpcMs: 3000, saleMs: 20_000, settleDeadlineMs: 10_000 };

function shanghaiToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

async function appointmentsOf(stack: Stack, patientId: string): Promise<AppointmentView[]> {
  const his = HisSimulator.open(path.join(stack.dir, 'his'));
  try {
    return (await his.listAppointments({ patientId })).appointments;
  } finally {
    his.close();
  }
}

/** A seeded booking the HIS holds for today or later, and the card of the patient it belongs to. */
async function seeded(stack: Stack, match: (a: AppointmentView) => boolean): Promise<{ appointment: AppointmentView; cardNo: string }> {
  for (const p of stack.patients) {
    const appointment = (await appointmentsOf(stack, p.patientId)).find((a) => a.state === 'booked' && match(a));
    if (appointment) return { appointment, cardNo: p.cardNo };
  }
  throw new Error('the seeded HIS has no such appointment');
}

/**
 * Before the kiosk starts, this kiosk registered the patient for a later day and took the fee by
 * card: a real sale on the bank module, and `slot.lock` + `register.confirm` to central under the
 * sale's order id, so central's ledger holds the card payment a cancel must give back.
 */
async function registeredByCard(stack: Stack, patientId: string): Promise<{ appointment: AppointmentView; saleTrace: string }> {
  const his = HisSimulator.open(path.join(stack.dir, 'his'));
  const today = shanghaiToday();
  const slot = (await his.querySchedule({})).slots.find((s) => s.date > today && s.remaining > 0);
  his.close();
  if (!slot) throw new Error('no later session with a number left');
  const txnId = ulid();
  await stack.pos.control('auto approve 100');
  // Setting the scene, not testing the module: a busy CI machine may ACK later than the 1 s default.
  const pos = await PaymentModule.open(stack.pos.port, { ackTimeoutMs: 5000 });
  const sale = await pos.sale({ amountFen: slot.feeFen, orderId: txnId }).finally(() => pos.close());
  expect(sale.approved).toBe(true);
  const kiosk = await Kiosk.connect(stack.broker.url, 'E2E-001');
  try {
    const lock = await kiosk.call<SlotLockResult>('slot.lock', { slotId: slot.slotId, patientId }, { txnId });
    expect(lock.status, lock.message).toBe('OK');
    const card = { method: 'card', amountFen: sale.amountFen, rrn: sale.rrn, trace: sale.trace, batch: sale.batch, authCode: sale.authCode, panMasked: sale.panMasked, tid: sale.tid, mid: sale.mid, settleDate: sale.settleDate };
    const registered = await kiosk.call<RegisterResult>('register.confirm', { lockId: lock.data!.lockId, patientId, payment: card }, { txnId });
    expect(registered.status, registered.message).toBe('OK');
    return { appointment: registered.data!.appointment, saleTrace: sale.trace };
  } finally {
    await kiosk.close();
  }
}

async function toAppointments(stack: Stack, kiosk: KioskScreen, cardNo: string): Promise<void> {
  await kiosk.waitFor('请插入就诊卡', 90_000);
  await stack.card.control(`insert ${cardNo}`);
  await kiosk.waitFor('请选择服务');
  kiosk.press('2');
  await kiosk.waitFor('请选择预约');
}

async function leave(stack: Stack, kiosk: KioskScreen): Promise<void> {
  await kiosk.waitFor('请选择服务');
  kiosk.press('0');
  await kiosk.waitFor('请取走');
  await stack.card.control('take');
  await kiosk.waitFor('请插入就诊卡');
}

async function journal(stack: Stack): Promise<{ events: number; txns: number; open: { count: number } }> {
  const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
  expect(verify.code, verify.stdout).toBe(0);
  return JSON.parse(verify.stdout) as { events: number; txns: number; open: { count: number } };
}

/** The patient cancels the only appointment on the list, paid by card, and leaves. */
async function cancelTheOnlyOne(stack: Stack, kiosk: KioskScreen): Promise<void> {
  await toAppointments(stack, kiosk, stack.patient.cardNo);
  kiosk.press('1');
  await kiosk.waitFor('取消预约');
  kiosk.press('1');
  await kiosk.waitFor('确定取消这个预约吗?');
  kiosk.press('1');
  await kiosk.waitFor('预约已取消', 60_000);
  kiosk.press('1');
  await leave(stack, kiosk);
}

/**
 * One run of the card-refund cancel on a fresh stack, the kiosk killed right after its `crashAt`-th
 * journal write (0: not at all), then started again to recover. The registration must be made
 * before the kiosk holds the bank module's port, which is why this does not use
 * crashAfterEveryWrite (test/helpers/journeys.ts): that starts the kiosk before the journey.
 */
async function crashedCancel(broker: RunningBroker, crashAt: number): Promise<number> {
  const stack = await Stack.start({ broker });
  try {
    const { appointment, saleTrace } = await registeredByCard(stack, stack.patient.patientId);
    const config = stack.kioskConfig(flows);
    const first = KioskScreen.start(config, crashAt > 0 ? { ZIZHU_CRASH_AFTER_JOURNAL: String(crashAt) } : {});
    try {
      await cancelTheOnlyOne(stack, first).catch((e: unknown) => {
        if (!(e instanceof KioskExited) || crashAt === 0) throw e;
      });
    } finally {
      if (crashAt === 0) await first.stop();
    }
    if (crashAt > 0) {
      expect(await first.exited, `kiosk should have died at write ${crashAt}`).toBe(128 + 9);
      const restarted = KioskScreen.start(config);
      // A card the crash left inside comes back to the gate at boot; the patient takes it.
      const takeAtGate = setInterval(() => void stack.card.control('state').then((c) => (c.cardAt === 'gate' ? stack.card.control('take') : undefined)), 300);
      try {
        await restarted.waitFor('请插入就诊卡', 90_000);
      } finally {
        clearInterval(takeAtGate);
        await restarted.stop();
      }
    }
    const report = await journal(stack);
    expect(report.open.count, `crash at ${crashAt}: transactions left open`).toBe(0);
    const [now] = (await appointmentsOf(stack, stack.patient.patientId)).filter((a) => a.appointmentNo === appointment.appointmentNo);
    const records = (await stack.posLedger()).records as { transType?: string; approved: boolean; voided: boolean; trace?: string }[];
    const voids = records.filter((r) => r.transType === 'void' && r.approved).length;
    // Cancelled: the fee went back on the card exactly once. Still booked: nothing went back.
    expect({ crashAt, state: now!.state, voids, saleVoided: records.find((r) => r.trace === saleTrace)?.voided }).toEqual(
      now!.state === 'cancelled' ? { crashAt, state: 'cancelled', voids: 1, saleVoided: true } : { crashAt, state: 'booked', voids: 0, saleVoided: false },
    );
    return report.events;
  } finally {
    await stack.stop({ keepBroker: true });
  }
}

describe('my appointments: check in and cancel at the kiosk', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  it('checks in a today booking paying the fee by card, and one paid at booking without payment; each slip has the queue number', { timeout: 180_000 }, async () => {
    stack = await Stack.start();
    const today = shanghaiToday();
    const due = await seeded(stack, (a) => a.date === today && !a.paid);
    const prepaid = await seeded(stack, (a) => a.date === today && a.paid);
    kiosk = KioskScreen.start(stack.kioskConfig(flows));

    await toAppointments(stack, kiosk, due.cardNo);
    await kiosk.waitFor(formatYuan(due.appointment.feeFen));
    kiosk.press('1'); // today's comes first
    await kiosk.waitFor('签到取号');
    await stack.pos.control('auto approve 100');
    const mark = stack.printer.lines.length;
    kiosk.press('1'); // check in
    await kiosk.waitFor('签到成功', 60_000);
    const receipt = await stack.printer.find((l) => l.event === 'receipt', mark);
    const text = (receipt.lines as string[]).join('\n');
    const [dueNow] = (await appointmentsOf(stack, due.appointment.patientId)).filter((a) => a.appointmentNo === due.appointment.appointmentNo);
    expect(dueNow).toMatchObject({ state: 'checkedIn', paid: true });
    await kiosk.waitFor(`就诊序号: ${dueNow!.seeNo}`);
    expect(text).toContain('预约取号凭证');
    expect(text).toContain(`就诊序号: ${dueNow!.seeNo}`);
    expect(text).toContain(dueNow!.location);
    expect(text).toContain(formatYuan(due.appointment.feeFen));
    const his = HisSimulator.open(path.join(stack.dir, 'his'));
    const trade = await his.queryTrade({ tradeNo: (receipt.qr as string[])[0]! });
    his.close();
    expect(trade).toMatchObject({ state: 'settled', paidFen: due.appointment.feeFen });
    expect(trade.state === 'settled' && text.includes(trade.hisReceiptNo)).toBe(true);
    kiosk.press('1');
    await leave(stack, kiosk);

    await toAppointments(stack, kiosk, prepaid.cardNo);
    await kiosk.waitFor('已缴费');
    kiosk.press('1');
    await kiosk.waitFor('签到取号');
    const mark2 = stack.printer.lines.length;
    kiosk.press('1');
    await kiosk.waitFor('签到成功');
    const slip = ((await stack.printer.find((l) => l.event === 'receipt', mark2)).lines as string[]).join('\n');
    const [prepaidNow] = (await appointmentsOf(stack, prepaid.appointment.patientId)).filter((a) => a.appointmentNo === prepaid.appointment.appointmentNo);
    expect(prepaidNow).toMatchObject({ state: 'checkedIn', paid: true });
    expect(slip).toContain(`就诊序号: ${prepaidNow!.seeNo}`);
    expect(slip).toContain('已预付');
    expect(slip).toMatch(/实付金额\(元\)\s+0\.00/);
    kiosk.press('1');
    await leave(stack, kiosk);

    // One card sale, for the fee due; the prepaid check-in took no money.
    const ledger = await stack.posLedger();
    expect(ledger.records.filter((r) => r.transType === 'sale' && r.approved && !r.voided).map((r) => r.amountFen)).toEqual([due.appointment.feeFen]);
    const report = await journal(stack);
    expect(report.txns).toBe(2);
    expect(report.open.count).toBe(0);
  });

  it('cancels an appointment paid by card: the sale is voided on the bank module, the HIS has it cancelled, the slip says so', { timeout: 180_000 }, async () => {
    stack = await Stack.start();
    const { appointment, saleTrace } = await registeredByCard(stack, stack.patient.patientId);
    kiosk = KioskScreen.start(stack.kioskConfig(flows));

    await toAppointments(stack, kiosk, stack.patient.cardNo);
    await kiosk.waitFor('已缴费');
    kiosk.press('1');
    await kiosk.waitFor('取消预约');
    await kiosk.waitFor('就诊当天可在本机签到取号');
    kiosk.press('1'); // cancel: the only action on a later day
    await kiosk.waitFor('确定取消这个预约吗?');
    await kiosk.waitFor(`已缴的挂号费 ${formatYuan(appointment.feeFen)} 元 将原路退回`);
    const mark = stack.printer.lines.length;
    kiosk.press('1');
    await kiosk.waitFor('预约已取消', 60_000);
    await kiosk.waitFor(`${formatYuan(appointment.feeFen)} 元 已退回您的银行卡`);

    const [now] = (await appointmentsOf(stack, stack.patient.patientId)).filter((a) => a.appointmentNo === appointment.appointmentNo);
    expect(now!.state).toBe('cancelled');
    const ledger = await stack.posLedger();
    const voids = ledger.records.filter((r) => r.transType === 'void' && r.approved);
    expect(voids).toHaveLength(1);
    expect(voids[0]!.amountFen).toBe(appointment.feeFen);
    expect((await stack.pos.control('ledger')).records).toContainEqual(expect.objectContaining({ transType: 'sale', trace: saleTrace, voided: true }));
    const slip = ((await stack.printer.find((l) => l.event === 'receipt', mark)).lines as string[]).join('\n');
    expect(slip).toContain('退号凭条');
    expect(slip).toContain('已退回银行卡');
    expect(slip).toContain(formatYuan(appointment.feeFen));
    expect(slip).not.toContain(stack.patient.name);

    kiosk.press('1');
    await leave(stack, kiosk);
    const report = await journal(stack);
    expect(report.txns).toBe(1);
    expect(report.open.count).toBe(0);
  });

  it('leaves an appointment booked when the patient backs out of the cancel or lets its confirmation time out', { timeout: 120_000 }, async () => {
    stack = await Stack.start();
    const today = shanghaiToday();
    const later = await seeded(stack, (a) => a.date > today);
    kiosk = KioskScreen.start(stack.kioskConfig({ ...flows, timeouts: { ...timeouts, choiceMs: 5000 } }));

    await toAppointments(stack, kiosk, later.cardNo);
    const list = (await appointmentsOf(stack, later.appointment.patientId)).filter((a) => a.state === 'booked' && a.date >= today);
    const key = list.sort((a, b) => a.date.localeCompare(b.date)).findIndex((a) => a.appointmentNo === later.appointment.appointmentNo) + 1;
    kiosk.press(String(key));
    await kiosk.waitFor('就诊当天可在本机签到取号');
    kiosk.press('1');
    await kiosk.waitFor('确定取消这个预约吗?');
    kiosk.press('0'); // keep it
    await kiosk.waitFor('就诊当天可在本机签到取号');
    kiosk.press('1');
    await kiosk.waitFor('确定取消这个预约吗?');
    // The patient walks away: the confirmation counts down, then the menu does, and the card comes out.
    await kiosk.waitFor('请选择服务', 15_000);
    await kiosk.waitFor('请取走', 15_000);
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    const [still] = (await appointmentsOf(stack, later.appointment.patientId)).filter((a) => a.appointmentNo === later.appointment.appointmentNo);
    expect(still!.state).toBe('booked');
    expect(still!.paid).toBe(later.appointment.paid);
    expect((await journal(stack)).txns).toBe(0);
  });

  it('gives the card refund of a cancel exactly once, whichever journal write the kiosk dies after', { timeout: 1_800_000 }, async () => {
    const broker = await startBroker({ port: await freePort() });
    try {
      const writes = await crashedCancel(broker, 0);
      expect(writes).toBeGreaterThan(6);
      console.info(`crash test (appointment cancel with card refund): the journey makes ${writes} journal writes; the kiosk is killed after each`);
      for (let n = 1; n <= writes; n++) await crashedCancel(broker, n);
    } finally {
      await broker.stop();
    }
  });
});
