import type { AppointmentView } from '../../contract/rpc.ts';
import { appointmentActions, type AppointmentsContext, type RefundShown } from '../../machines/appointments.ts';
import { pageOf, PER_PAGE } from '../../machines/paging.ts';
import { blank, center, exit, left, lines, message, ok, pagedChoices, reason, yuan, type BodyLine, type Builder, type ButtonSpec } from '../parts.ts';
import { common, say, type Language, type Text } from '../strings.ts';
import type { ScreenView } from '../view.ts';
import { sanitize, truncate } from '../width.ts';

/** My appointments' screens (预约取号): the list, one appointment, check-in and cancel and how each ended. */
export const appointmentsLabel: Text = { zh: '预约取号', en: 'My appointments' };

export const appointmentsStrings = {
  loading: { zh: '正在查询您的预约, 请稍候', en: 'Looking up your appointments, please wait' },
  none: { zh: '您没有可签到或取消的预约', en: 'You have no appointment to check in for or cancel' },
  problem: { zh: '暂时无法查询您的预约', en: 'Your appointments cannot be looked up now' },
  title: { zh: '请选择预约', en: 'Choose an appointment' },
  today: { zh: '今天', en: 'Today' },
  morning: { zh: '上午', en: 'AM' },
  afternoon: { zh: '下午', en: 'PM' },
  paid: { zh: '已缴费', en: 'paid' },
  due: { zh: '待缴 {amount}', en: '{amount} due' },
  doctor: { zh: '{dept}  {doctor} ({title})', en: '{dept}  {doctor} ({title})' },
  when: { zh: '就诊时间: {date} {period} {time}', en: 'Time: {date} {period} {time}' },
  where: { zh: '就诊地点: {place}', en: 'Place: {place}' },
  feePaid: { zh: '挂号费 {amount}, 已缴费', en: 'Fee {amount}, paid' },
  feeDue: { zh: '挂号费 {amount}, 签到时缴纳', en: 'Fee {amount}, paid at check-in' },
  notToday: { zh: '就诊当天可在本机签到取号', en: 'Check in here on the day of your visit' },
  checkIn: { zh: '签到取号', en: 'Check in' },
  cancel: { zh: '取消预约', en: 'Cancel it' },
  confirmCancel: { zh: '确定取消这个预约吗?', en: 'Cancel this appointment?' },
  refundNote: { zh: '已缴的挂号费 {amount} 将原路退回', en: 'The fee of {amount} goes back the way you paid it' },
  noRefund: { zh: '此预约未缴费, 取消后无需退款', en: 'Nothing was paid for it: nothing to refund' },
  yesCancel: { zh: '确认取消', en: 'Yes, cancel' },
  keep: { zh: '不取消', en: 'Keep it' },
  cancelling: { zh: '正在取消预约, 请稍候, 请勿离开', en: 'Cancelling your appointment, please wait here' },
  checkingIn: { zh: '正在签到取号, 请稍候', en: 'Checking you in, please wait' },
  checkedIn: { zh: '签到成功', en: 'You are checked in' },
  seeNo: { zh: '就诊序号: {n}', en: 'Queue number: {n}' },
  takeSlip: { zh: '请取走凭条, 按时到诊区候诊', en: 'Please take your slip and wait at the clinic' },
  cancelled: { zh: '预约已取消', en: 'Your appointment is cancelled' },
  toCard: { zh: '{amount} 已退回您的银行卡', en: '{amount} is back on your bank card' },
  toChannel: { zh: '{amount} 已原路退回微信/支付宝', en: '{amount} went back to WeChat/Alipay' },
  toCounter: { zh: '{amount} 请凭退号凭条到人工窗口领取', en: 'Collect {amount} at a staffed counter with your slip' },
  refundPending: { zh: '{amount} 退款处理中, 请凭凭条到人工窗口查询', en: '{amount}: refund in progress, ask at a counter with your slip' },
  nothingBack: { zh: '本次无需退款', en: 'Nothing to refund' },
  takeCancelSlip: { zh: '请取走退号凭条', en: 'Please take your slip' },
  notCheckedIn: { zh: '未能签到取号', en: 'You could not be checked in' },
  notCancelled: { zh: '未能取消预约', en: 'The appointment could not be cancelled' },
  pending: { zh: '办理结果暂未确认', en: 'The result is not confirmed yet' },
  pendingHint: { zh: '请勿重复办理, 请凭凭条到人工窗口核实', en: 'Please do not try again: take the slip to a staffed counter' },
} satisfies Record<string, Text>;

const s = appointmentsStrings;

function contextOf(view: ScreenView): AppointmentsContext | undefined {
  return view.flowContext as AppointmentsContext | undefined;
}

function dayOf(a: AppointmentView, today: string | undefined, language: Language): string {
  return a.date === today ? say(s.today, language) : a.date.slice(5);
}

function periodOf(a: AppointmentView, language: Language): string {
  return say(a.period === 'morning' ? s.morning : s.afternoon, language);
}

/** One appointment on one line: number key, day, time, paid or the fee due, then department and doctor (cut first). */
function summary(a: AppointmentView, key: number, today: string | undefined, language: Language, width: number): BodyLine {
  const money = a.paid ? say(s.paid, language) : say(s.due, language, { amount: yuan(a.feeFen, language) });
  return left(truncate(sanitize(`${key}  ${dayOf(a, today, language)} ${periodOf(a, language)} ${a.visitTime}  ${money}  ${a.deptName} ${a.doctorName}`), width));
}

/**
 * The list as big touch targets (day and department: three to a row to fit the minimum grid),
 * and above them a line per appointment with the rest when the page leaves room for it.
 */
const list: Builder = (view, { language, width }) => {
  const c = contextOf(view);
  const all = c?.appointments ?? [];
  const page = pagedChoices(all, c?.page ?? 0, { label: (a) => sanitize(`${dayOf(a, c?.today, language)} ${a.deptName}`), language, columns: 3 });
  const { first } = pageOf(all.length, c?.page ?? 0);
  const title = [say(s.title, language), ...page.pageLine.map((l) => l.text)].join('  ');
  return {
    lines: [center(truncate(title, width)), ...all.slice(first, first + PER_PAGE).map((a, i) => summary(a, i + 1, c?.today, language, width))],
    choices: page.choices,
    buttons: [...page.pageButtons, exit(language)],
  };
};

function detailLines(a: AppointmentView, language: Language, width: number): BodyLine[] {
  const fee = yuan(a.feeFen, language);
  return [
    center(truncate(say(s.doctor, language, { dept: sanitize(a.deptName), doctor: sanitize(a.doctorName), title: sanitize(a.doctorTitle) }), width)),
    center(truncate(say(s.when, language, { date: a.date, period: periodOf(a, language), time: a.visitTime }), width)),
    center(truncate(say(s.where, language, { place: sanitize(a.location) }), width)),
    center(say(a.paid ? s.feePaid : s.feeDue, language, { amount: fee })),
  ];
}

const back = (language: Language): ButtonSpec => ({ key: '0', label: say(common.back, language), event: { type: 'back' } });

/** What can be done with it, as touch targets; check-in only on the day. */
const detail: Builder = (view, { language, width }) => {
  const c = contextOf(view);
  const a = c?.chosen;
  if (!a) return { lines: [], buttons: [back(language)] };
  const actions = appointmentActions(a, c?.today);
  return {
    lines: [...detailLines(a, language, width), ...(actions.includes('checkIn') ? [] : lines(language, width, s.notToday))],
    choices: { columns: 2, items: actions.map((action, i): ButtonSpec => ({ key: String(i + 1), label: say(action === 'checkIn' ? s.checkIn : s.cancel, language), event: { type: 'select', index: i } })) },
    buttons: [back(language)],
  };
};

const confirmCancel: Builder = (view, { language, width }) => {
  const a = contextOf(view)?.chosen;
  return {
    lines: [
      ...lines(language, width, s.confirmCancel),
      blank,
      ...(a ? detailLines(a, language, width).slice(0, 2) : []),
      blank,
      ...(a?.paid ? [center(say(s.refundNote, language, { amount: yuan(a.feeFen, language) }))] : lines(language, width, s.noRefund)),
    ],
    buttons: [{ key: '1', label: say(s.yesCancel, language), event: { type: 'confirm' } }, { key: '0', label: say(s.keep, language), event: { type: 'back' } }],
  };
};

const checkedIn: Builder = (view, { language, width }) => {
  const a = contextOf(view)?.checkedIn;
  return {
    lines: [
      ...lines(language, width, s.checkedIn),
      ...(a ? [center(say(s.seeNo, language, { n: a.seeNo })), blank, ...detailLines(a, language, width).slice(0, 3)] : []),
      blank,
      ...lines(language, width, s.takeSlip),
    ],
    buttons: [ok(language)],
  };
};

const refundText: Record<RefundShown['how'], Text> = { card: s.toCard, channel: s.toChannel, voucher: s.toCounter, pending: s.refundPending };

/** A refund's sentence with its amount, in both languages, so it wraps like any other text. */
function filled(text: Text, amountFen: number): Text {
  return { zh: say(text, 'zh', { amount: yuan(amountFen, 'zh') }), en: say(text, 'en', { amount: yuan(amountFen, 'en') }) };
}

/** Where each refund went, with its amount: the patient leaves knowing where to look for the money. */
const cancelled: Builder = (view, { language, width }) => {
  const refunds = contextOf(view)?.refunds ?? [];
  return {
    lines: [
      ...lines(language, width, s.cancelled),
      blank,
      ...(refunds.length === 0 ? lines(language, width, s.nothingBack) : refunds.flatMap((r) => lines(language, width, filled(refundText[r.how], r.amountFen)))),
      blank,
      ...lines(language, width, s.takeCancelSlip),
    ],
    buttons: [ok(language)],
  };
};

const notDone: Builder = (view, area) => {
  const doing = contextOf(view)?.doing;
  return {
    lines: [...lines(area.language, area.width, doing === 'cancel' ? s.notCancelled : s.notCheckedIn), ...reason(view, area), blank, ...lines(area.language, area.width, common.goCounter)],
    buttons: [ok(area.language)],
  };
};

export const appointmentsBuilders: Record<string, Builder> = {
  'wait.appointments': message(s.loading),
  'appointments.none': (_view, { language, width }) => ({ lines: lines(language, width, s.none), buttons: [ok(language)] }),
  'appointments.problem': (view, area) => ({ lines: [...lines(area.language, area.width, s.problem), ...reason(view, area), blank, ...lines(area.language, area.width, common.goCounter)], buttons: [ok(area.language)] }),
  'appointments.list': list,
  'appointments.detail': detail,
  'appointments.confirmCancel': confirmCancel,
  'appointments.checkingIn': message(s.checkingIn),
  'appointments.checkedIn': checkedIn,
  'appointments.cancelling': message(s.cancelling),
  'appointments.cancelled': cancelled,
  'appointments.notDone': notDone,
  'appointments.pending': (view, area) => ({ lines: [...lines(area.language, area.width, s.pending), ...reason(view, area), blank, ...lines(area.language, area.width, s.pendingHint)], buttons: [ok(area.language)] }),
};
