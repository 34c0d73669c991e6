import type { BookContext } from '../../machines/book.ts';
import { daysOf } from '../../machines/schedule-pick.ts';
import { blank, center, exit, lines, message, ok, pagedChoices, reason, type Builder, type ButtonSpec } from '../parts.ts';
import { say, type Language, type Text } from '../strings.ts';
import type { ScreenView } from '../view.ts';
import { sanitize, truncate } from '../width.ts';
import { back, dayLabel, periodLabel, pickedLines } from './schedule.ts';

/** Booking ahead's own screens (预约挂号); the picking screens are shared (schedule.ts). */
export const bookStrings = {
  label: { zh: '预约挂号', en: 'Book ahead' },
  days: { zh: '请选择就诊日期', en: 'Choose the day of your visit' },
  none: { zh: '近两周已没有可预约的号', en: 'No numbers are left to book in the next two weeks' },
  confirmTitle: { zh: '请确认预约信息', en: 'Please check your booking' },
  when: { zh: '就诊时间: {day} {period} {start}-{end}', en: 'Time: {day} {period} {start}-{end}' },
  fee: { zh: '挂号费 {amount}, 就诊当日取号时缴纳', en: 'Fee {amount}, paid when you check in on the day' },
  confirm: { zh: '确认预约', en: 'Book it' },
  printing: { zh: '正在打印预约凭条, 请稍候', en: 'Printing your booking slip, please wait' },
  done: { zh: '预约成功', en: 'You are booked' },
  appointmentNo: { zh: '预约号: {no}', en: 'Appointment number: {no}' },
  visit: { zh: '就诊时间: {day} {period} {time}', en: 'Time: {day} {period} {time}' },
  seeNo: { zh: '就诊序号: {n}', en: 'Queue number: {n}' },
  where: { zh: '就诊地点: {place}', en: 'Place: {place}' },
  checkInHint: { zh: '请于就诊当日到自助机取号缴费', en: 'On the day, check in and pay at a kiosk' },
  takeSlip: { zh: '请取走预约凭条', en: 'Please take your booking slip' },
  noSlip: { zh: '凭条未能打印, 请记下预约号', en: 'The slip could not be printed: please note the number' },
  unknown: { zh: '预约结果暂时无法确认', en: 'Your booking is not confirmed yet' },
  unknownHint: { zh: '请勿重复预约, 请凭凭条到人工窗口查询', en: 'Please do not book again: ask at a counter with the slip' },
  refused: { zh: '未能预约该号', en: 'This number could not be booked' },
  pickAgain: { zh: '重新选择', en: 'Choose again' },
} satisfies Record<string, Text>;

const s = bookStrings;

const contextOf = (view: ScreenView) => view.flowContext as BookContext | undefined;

const days: Builder = (view, { language, width }) => {
  const c = contextOf(view);
  const page = pagedChoices(c ? daysOf(c) : [], c?.page ?? 0, { label: (date) => dayLabel(date, language), language, columns: 3 });
  return {
    lines: [center(truncate([say(s.days, language), ...page.pageLine.map((l) => l.text)].join('  '), width))],
    choices: page.choices,
    buttons: [...page.pageButtons, exit(language)],
  };
};

const booked: Builder = (view, { language, width }) => {
  const c = contextOf(view);
  const outcome = c?.outcome;
  const a = outcome?.state === 'booked' ? outcome.appointment : undefined;
  return {
    lines: [
      ...lines(language, width, s.done),
      ...(a
        ? [
            center(truncate(say(s.appointmentNo, language, { no: sanitize(a.appointmentNo) }), width)),
            center(truncate(say(s.visit, language, { day: dayLabel(a.date, language), period: periodLabel(a.period, language), time: a.visitTime }), width)),
            center(say(s.seeNo, language, { n: a.seeNo })),
            center(truncate(sanitize(say(s.where, language, { place: a.location })), width)),
            center(truncate(sanitize(`${a.deptName}  ${a.doctorName} ${a.doctorTitle}`), width)),
          ]
        : []),
      blank,
      ...lines(language, width, s.checkInHint),
      ...lines(language, width, c?.slipPrinted === false ? s.noSlip : s.takeSlip),
    ],
    buttons: [ok(language)],
  };
};

const pickAgain = (language: Language): ButtonSpec => ({ key: '1', label: say(s.pickAgain, language), event: { type: 'confirm' } });

export const bookBuilders: Record<string, Builder> = {
  'book.date': days,
  'book.none': (_view, { language, width }) => ({ lines: lines(language, width, s.none), buttons: [ok(language)] }),
  'book.confirm': (view, { language, width }) => ({
    lines: [...lines(language, width, s.confirmTitle), blank, ...pickedLines(view, language, width, s.when, s.fee)],
    buttons: [{ key: '1', label: say(s.confirm, language), event: { type: 'confirm' } }, back(language)],
  }),
  'book.printing': message(s.printing),
  'book.done': booked,
  'book.unknown': (_view, area) => ({
    lines: [...lines(area.language, area.width, s.unknown), blank, ...lines(area.language, area.width, s.unknownHint)],
    buttons: [ok(area.language)],
  }),
  'book.refused': (view, area) => ({
    lines: [...lines(area.language, area.width, s.refused), ...reason(view, area)],
    buttons: [pickAgain(area.language), exit(area.language)],
  }),
};
