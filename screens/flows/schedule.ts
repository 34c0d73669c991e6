import { pageOf, PER_PAGE } from '../../machines/paging.ts';
import { departmentsOn, doctorsOn, picked, slotsOf, type SchedulePick, type Slot } from '../../machines/schedule-pick.ts';
import { blank, center, exit, left, lines, message, ok, pagedChoices, reason, yuan, type BodyLine, type Builder, type ButtonSpec } from '../parts.ts';
import { common, say, type Language, type Text } from '../strings.ts';
import type { ScreenView } from '../view.ts';
import { displayWidth, padEnd, sanitize, truncate } from '../width.ts';

/**
 * The screens of picking a number (machines/schedule-pick.ts), shared by registration today and
 * booking ahead: a department, a doctor, a session. The boxes hold three to a row to fit the
 * minimum grid, so each holds a short label; the lines above say the rest (a doctor's title,
 * fee and numbers left) when the page leaves room for them.
 */
export const scheduleStrings = {
  loading: { zh: '正在查询号源, 请稍候', en: 'Looking up the schedule, please wait' },
  problem: { zh: '暂时无法查询号源', en: 'The schedule cannot be looked up now' },
  today: { zh: '今天', en: 'Today' },
  day: { zh: '{date} {weekday}', en: '{weekday} {date}' },
  dept: { zh: '{day}  请选择科室', en: '{day}: choose a department' },
  doctor: { zh: '{dept}  请选择医生', en: '{dept}: choose a doctor' },
  doctorLine: { zh: '{key}  {name} {title}  {fee}  余 {left} 个号', en: '{key}  {name} {title}  {fee}  {left} left' },
  doctorFee: { zh: '{name} {title}  挂号费 {fee}', en: '{name} {title}  fee {fee}' },
  slot: { zh: '请选择就诊时段', en: 'Choose a session' },
  slotLine: { zh: '{key}  {period} {start}-{end}  余 {left} 个号', en: '{key}  {period} {start}-{end}  {left} left' },
  slotChoice: { zh: '{period} 余{left}', en: '{period} {left} left' },
  morning: { zh: '上午', en: 'AM' },
  afternoon: { zh: '下午', en: 'PM' },
  mon: { zh: '周一', en: 'Mon' },
  tue: { zh: '周二', en: 'Tue' },
  wed: { zh: '周三', en: 'Wed' },
  thu: { zh: '周四', en: 'Thu' },
  fri: { zh: '周五', en: 'Fri' },
  sat: { zh: '周六', en: 'Sat' },
  sun: { zh: '周日', en: 'Sun' },
} satisfies Record<string, Text>;

const s = scheduleStrings;
const weekdays: Text[] = [s.sun, s.mon, s.tue, s.wed, s.thu, s.fri, s.sat];

export function pickOf(view: ScreenView): SchedulePick {
  return (view.flowContext as SchedulePick | undefined) ?? { page: 0 };
}

/** `11-25 周三` or `Wed 11-25`: short enough for a box three to a row. */
export function dayLabel(date: string, language: Language): string {
  const weekday = weekdays[new Date(`${date}T00:00:00Z`).getUTCDay()] ?? s.sun;
  return say(s.day, language, { date: date.slice(5), weekday: say(weekday, language) });
}

export function periodLabel(period: Slot['period'], language: Language): string {
  return say(period === 'morning' ? s.morning : s.afternoon, language);
}

export const back = (language: Language): ButtonSpec => ({ key: '0', label: say(common.back, language), event: { type: 'back' } });

/** A list's title with its page, on one line: the boxes leave little room above them. */
function title(text: string, pageLine: BodyLine[], width: number): BodyLine {
  return center(truncate([text, ...pageLine.map((l) => l.text)].join('  '), width));
}

const departments: Builder = (view, { language, width }) => {
  const p = pickOf(view);
  const all = departmentsOn(p);
  const page = pagedChoices(all, p.page, { label: (d) => sanitize(d.name), language, columns: 3 });
  const date = p.date ? dayLabel(p.date, language) : '';
  const day = p.pickDay ? date : `${say(s.today, language)} ${date}`.trim();
  return {
    lines: [title(say(s.dept, language, { day }), page.pageLine, width)],
    choices: page.choices,
    // Booking began with the day, so 0 goes back to it; registration has nothing before this.
    buttons: [...page.pageButtons, p.pickDay ? back(language) : exit(language)],
  };
};

const doctors: Builder = (view, { language, width }) => {
  const p = pickOf(view);
  const all = doctorsOn(p);
  const dept = p.schedule?.departments.find((d) => d.deptId === p.deptId);
  const page = pagedChoices(all, p.page, { label: (d) => sanitize(d.name), language, columns: 3 });
  const { first } = pageOf(all.length, p.page);
  const shown = all.slice(first, first + PER_PAGE);
  // Names and titles padded to one width, so the fees and numbers left line up as a table.
  const column = (texts: string[]) => Math.max(0, ...texts.map((t) => displayWidth(sanitize(t))));
  const [names, titles] = [column(shown.map((d) => d.name)), column(shown.map((d) => d.title))];
  const details = shown.map((d, i) =>
    left(truncate(say(s.doctorLine, language, { key: i + 1, name: padEnd(sanitize(d.name), names), title: padEnd(sanitize(d.title), titles), fee: yuan(d.feeFen, language), left: d.left }), width)),
  );
  return {
    lines: [title(say(s.doctor, language, { dept: sanitize(dept?.name ?? '') }), page.pageLine, width), ...details],
    choices: page.choices,
    buttons: [...page.pageButtons, back(language)],
  };
};

const sessions: Builder = (view, { language, width }) => {
  const p = pickOf(view);
  const all = slotsOf(p);
  const doctor = p.schedule?.doctors.find((d) => d.doctorId === p.doctorId);
  const page = pagedChoices(all, p.page, { label: (slot) => say(s.slotChoice, language, { period: periodLabel(slot.period, language), left: slot.remaining }), language, columns: 3 });
  return {
    lines: [
      ...(doctor ? [center(truncate(sanitize(say(s.doctorFee, language, { name: doctor.name, title: doctor.title, fee: yuan(doctor.feeFen, language) })), width))] : []),
      title(say(s.slot, language), page.pageLine, width),
      ...all.map((slot, i) => left(truncate(say(s.slotLine, language, { key: i + 1, period: periodLabel(slot.period, language), start: slot.startTime, end: slot.endTime, left: slot.remaining }), width))),
    ],
    choices: page.choices,
    buttons: [back(language)],
  };
};

/** The chosen number in a few centred lines: who, when, the fee; for the confirm screens. */
export function pickedLines(view: ScreenView, language: Language, width: number, when: Text, fee: Text): BodyLine[] {
  const chosen = picked(pickOf(view));
  if (!chosen) return [];
  const { dept, doctor, slot } = chosen;
  return [
    center(truncate(sanitize(`${dept.name}  ${doctor.name} ${doctor.title}`), width)),
    center(truncate(say(when, language, { day: dayLabel(slot.date, language), period: periodLabel(slot.period, language), start: slot.startTime, end: slot.endTime }), width)),
    blank,
    center(say(fee, language, { amount: yuan(slot.feeFen, language) })),
  ];
}

export const scheduleBuilders: Record<string, Builder> = {
  'wait.schedule': message(s.loading),
  'schedule.problem': (view, area) => ({
    lines: [...lines(area.language, area.width, s.problem), ...reason(view, area), blank, ...lines(area.language, area.width, common.goCounter)],
    buttons: [ok(area.language)],
  }),
  'schedule.dept': departments,
  'schedule.doctor': doctors,
  'schedule.slot': sessions,
};
