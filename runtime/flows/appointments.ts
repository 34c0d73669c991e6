import { fromPromise } from 'xstate';
import { maskName } from '../../contract/mask.ts';
import type { AppointmentListResult, AppointmentView, CancelResult, CheckInResult } from '../../contract/rpc.ts';
import type { ReceiptDocument } from '../../drivers/printer/encoder.ts';
import { appointmentsMachine, type CancelEnd, type CheckInEnd } from '../../machines/appointments.ts';
import type { ReceiptBill } from '../receipts.ts';
import type { FlowDeps } from '../flows.ts';

/** The hospital's business day (Asia/Shanghai, DESIGN.md §1): an appointment is checked in on it. */
export function businessDay(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The receipt line of a registration fee; the journal keeps the doctor's name masked, as every name. */
function feeLine(a: AppointmentView, billNo: string): ReceiptBill {
  return { billNo, department: `${a.deptName} ${maskName(a.doctorName)} ${a.doctorTitle}`, amountFen: a.feeFen };
}

interface Chosen {
  appointment: AppointmentView;
  patientId: string;
  nameMasked: string;
}

/**
 * A fee due at check-in: the transaction is opened and its plan journaled before the payment
 * machine takes any money, so recovery can settle the same check-in. There is no preparation op:
 * `appointment.checkin` opens central's transaction itself (or follows a QR payment under the txnId).
 */
function openCheckIn(d: FlowDeps, input: Chosen): { txnId: string } {
  const a = input.appointment;
  const txnId = d.steps.open({ open: 'appointment.checkin', nameMasked: input.nameMasked, title: '预约取号凭证', bills: [feeLine(a, '挂号费')], totalFen: a.feeFen });
  d.steps.plan(txnId, { op: 'appointment.checkin', args: { appointmentNo: a.appointmentNo, patientId: input.patientId } }, a.feeFen);
  return { txnId };
}

/** Paid at booking: the check-in is a trade that collects nothing; its slip carries the queue number. */
async function checkInPrepaid(d: FlowDeps, input: Chosen): Promise<CheckInEnd> {
  const a = input.appointment;
  const txnId = d.steps.open({ open: 'appointment.checkin', nameMasked: input.nameMasked, title: '预约取号凭证', bills: [feeLine(a, '已预付')], totalFen: 0 });
  const outcome = await d.refunds.trade<CheckInResult>(txnId, 'appointment.checkin', { appointmentNo: a.appointmentNo, patientId: input.patientId });
  if (outcome.state === 'refused') return { txnId, state: 'refused', reason: outcome.message };
  if (outcome.state === 'pending') {
    await d.steps.print(pendingSlip(d, txnId, input.nameMasked, '签到取号结果待确认'));
    return { txnId, state: 'pending', reason: outcome.reason };
  }
  await d.refunds.tradeSlip(txnId, 'appointment.checkin', outcome.data);
  return { txnId, state: 'done', appointment: outcome.data.appointment };
}

/** 退号: central cancels and says what goes back where; the kiosk gives card refunds back itself. */
async function cancel(d: FlowDeps, input: Chosen): Promise<CancelEnd> {
  const a = input.appointment;
  const txnId = d.steps.open({ open: 'appointment.cancel', nameMasked: input.nameMasked, title: '退号凭条', bills: [], totalFen: 0 });
  const outcome = await d.refunds.trade<CancelResult>(txnId, 'appointment.cancel', { appointmentNo: a.appointmentNo, patientId: input.patientId });
  if (outcome.state === 'refused') return { txnId, state: 'refused', reason: outcome.message };
  if (outcome.state === 'pending') {
    await d.steps.print(pendingSlip(d, txnId, input.nameMasked, '退号结果待确认'));
    return { txnId, state: 'pending', reason: outcome.reason };
  }
  const refunds = await d.refunds.giveBack(txnId, outcome.data.refunds ?? [], { title: '退号凭条', nameMasked: input.nameMasked });
  return { txnId, state: 'done', refunds };
}

/** Central could not say in time whether it was done: the patient keeps this and asks a cashier. */
function pendingSlip(d: FlowDeps, txnId: string, nameMasked: string, title: string): ReceiptDocument {
  return [
    { text: d.config.site.hospital, align: 'center', bold: true, size: 2 },
    { text: title, align: 'center', bold: true },
    { rule: '-' },
    { row: ['患者', nameMasked] },
    { row: ['时间', new Date().toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })] },
    { row: ['终端', d.config.kioskId] },
    { rule: '-' },
    { text: '医院系统暂时未能确认办理结果.' },
    { text: '请勿重复办理, 凭此单到人工窗口核实,' },
    { text: '如有已缴费用, 款项不会丢失.' },
    { rule: '-' },
    { row: ['交易号', txnId] },
    { qr: txnId },
  ];
}

export function provideAppointments(d: FlowDeps) {
  return appointmentsMachine.provide({
    actors: {
      listAppointments: fromPromise(async ({ input }) => {
        const today = businessDay(new Date());
        return { today, appointments: (await d.ask<AppointmentListResult>('appointment.list', { patientId: input.patientId })).appointments };
      }),
      prepareCheckIn: fromPromise(async ({ input }) => openCheckIn(d, input)),
      checkInPrepaid: fromPromise(({ input }) => checkInPrepaid(d, input)),
      cancelAppointment: fromPromise(({ input }) => cancel(d, input)),
      payment: d.payment,
    },
  });
}
