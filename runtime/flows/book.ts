import { ulid } from 'ulid';
import { fromPromise } from 'xstate';
import { formatYuan } from '../../contract/money.ts';
import type { AppointmentView, RpcResponse, ScheduleResult } from '../../contract/rpc.ts';
import { scaled } from '../../contract/time-scale.ts';
import type { ReceiptDocument } from '../../drivers/printer/encoder.ts';
import { bookMachine, type BookOutcome } from '../../machines/book.ts';
import type { FlowDeps } from '../flows.ts';
import { RpcNoAnswer } from '../link.ts';
import { hospitalToday } from './register.ts';

/** A pause of `ms` production time, at the time scale. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, scaled(ms)));

/** Booking ahead with the kiosk's real steps: today is for registration, so only later days are offered. */
export function provideBook(d: FlowDeps) {
  return bookMachine.provide({
    actors: {
      loadAhead: fromPromise(async () => {
        const today = hospitalToday();
        const schedule = await d.ask<ScheduleResult>('schedule.query', {});
        return { ...schedule, slots: schedule.slots.filter((s) => s.date > today) };
      }),
      book: fromPromise(({ input }) => book(d, input)),
      printSlip: fromPromise(async ({ input }) => {
        const printed = await d.steps.print(slip(d, input.nameMasked, input.outcome));
        d.journal.record({ type: 'appointment.slip.printed', txnId: input.outcome.txnId, data: { kind: input.outcome.state, printed } });
        return printed;
      }),
    },
  });
}

/**
 * `appointment.book` under a new transaction: a trade without money, so there is nothing to
 * compensate and no money transaction in the journal, only its intent and result as facts (as
 * report printing journals its trades). A lost answer is asked again under the same txnId
 * (central answers what it did the first time); an outcome central cannot confirm by the
 * deadline is left to its saga, and the patient is told it is not confirmed rather than failed.
 */
async function book(d: FlowDeps, args: { patientId: string; slotId: string }): Promise<BookOutcome> {
  if (!d.link.centralOnline) throw new Error('central is not reachable');
  const txnId = ulid();
  d.journal.record({ type: 'appointment.book.intent', txnId, data: { slotId: args.slotId } });
  const until = Date.now() + d.config.timeouts.settleDeadlineMs;
  let last = 'no answer from central';
  while (Date.now() < until) {
    let r: RpcResponse<{ appointment: AppointmentView }>;
    try {
      r = await d.link.rpc({ op: 'appointment.book', txnId, args, timeoutMs: d.config.timeouts.rpcMs });
    } catch (e) {
      if (!(e instanceof RpcNoAnswer)) throw e;
      await sleep(1000);
      continue;
    }
    if (r.status === 'OK' && r.data) {
      d.journal.record({ type: 'appointment.book.result', txnId, data: { booked: true, appointmentNo: r.data.appointment.appointmentNo } });
      return { state: 'booked', txnId, appointment: r.data.appointment };
    }
    last = r.message ?? r.code ?? r.status;
    if (r.status === 'FAILED') {
      d.journal.record({ type: 'appointment.book.result', txnId, data: { booked: false, code: r.code ?? r.status } });
      return { state: 'refused', txnId, reason: last };
    }
    // PENDING: central gave up asking the HIS for now; its saga settles it later.
    if (r.status === 'PENDING') break;
    await sleep(1000);
  }
  d.journal.record({ type: 'appointment.book.result', txnId, data: { booked: 'unknown', reason: last } });
  return { state: 'unknown', txnId, reason: last };
}

const time = (at: Date) => at.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
const period = (a: AppointmentView) => (a.period === 'morning' ? '上午' : '下午');

/** The appointment slip, or the slip a counter needs to find a booking central could not confirm. */
function slip(d: FlowDeps, nameMasked: string, outcome: BookOutcome): ReceiptDocument {
  const head: ReceiptDocument = [
    { text: d.config.site.hospital, align: 'center', bold: true, size: 2 },
    { text: outcome.state === 'booked' ? '预约挂号凭条' : '预约结果待确认', align: 'center', bold: true },
    { rule: '-' },
    { row: ['患者', nameMasked] },
    { row: ['时间', time(new Date())] },
    { row: ['终端', d.config.kioskId] },
    { rule: '-' },
  ];
  if (outcome.state !== 'booked') {
    return [
      ...head,
      { text: '预约结果暂时无法确认.' },
      { text: '请勿重复预约, 凭此单到人工窗口查询.' },
      { rule: '-' },
      { row: ['交易号', outcome.txnId] },
      { qr: outcome.txnId },
    ];
  }
  const a = outcome.appointment;
  return [
    ...head,
    { row: ['预约号', a.appointmentNo], bold: true },
    { row: ['科室', a.deptName] },
    { row: ['医生', `${a.doctorName} ${a.doctorTitle}`] },
    { row: ['就诊日期', `${a.date} ${period(a)}`], bold: true },
    { row: ['就诊时间', a.visitTime], bold: true },
    { row: ['就诊序号', String(a.seeNo)], bold: true },
    { row: ['就诊地点', a.location] },
    { row: ['挂号费(元)', formatYuan(a.feeFen)] },
    { rule: '-' },
    { text: '挂号费于就诊当日取号时缴纳.' },
    { text: '请按时到自助机或窗口取号.' },
    { row: ['交易号', outcome.txnId] },
    { qr: a.appointmentNo },
    { text: '请妥善保管本凭条', align: 'center' },
  ];
}
