import { formatYuan } from '../../contract/money.ts';
import type { InsuranceClass } from '../../contract/rpc.ts';
import { chosenDepartment, chosenDoctor, inquiryTopics, letterGroups, MAX_INITIALS, type InquiryContext, type WeekSession } from '../../machines/inquiry.ts';
import { pageOf, PER_PAGE } from '../../machines/paging.ts';
import { blank, center, exit, left, lines, message, ok, reason, type Body, type BodyArea, type BodyLine, type Builder, type ButtonSpec } from '../parts.ts';
import { common, say, type Language, type Text } from '../strings.ts';
import type { ScreenView } from '../view.ts';
import { displayWidth, sanitize, truncate, wrap } from '../width.ts';
import { back, methodText, pageTurn, tableRow } from './billList.ts';

/** Inquiry's screens (查询): prices by pinyin initials, the doctors' week, the patient's payments. */
export const inquiryLabel: Text = { zh: '查询', en: 'Inquiry' };

export const inquiryStrings = {
  menu: { zh: '请选择查询项目', en: 'What would you like to look up?' },
  prices: { zh: '价格查询', en: 'Prices' },
  schedule: { zh: '医生出诊', en: 'Doctors' },
  history: { zh: '缴费记录', en: 'Payments' },
  wait: { zh: '正在查询, 请稍候', en: 'Looking it up, please wait' },
  typed: { zh: '拼音首字母: [{initials}]', en: 'Pinyin initials: [{initials}]' },
  example: { zh: '例: 阿莫西林 输入 AMXL; 可用键盘输入', en: 'E.g. AMXL for 阿莫西林; a keyboard types too' },
  pickLetter: { zh: '请选择字母', en: 'Choose a letter' },
  delete: { zh: '删除', en: 'Delete' },
  search: { zh: '查询', en: 'Search' },
  none: { zh: '没有找到拼音首字母为 {initials} 的药品或项目', en: 'Nothing found for {initials}' },
  noneHint: { zh: '请检查后重新输入', en: 'Please check the letters and try again' },
  retype: { zh: '重新输入', en: 'Type again' },
  matches: { zh: '{initials}: 共 {n} 项 (元/单位)', en: '{initials}: {n} found (yuan per unit)' },
  classes: { zh: '医保: 甲类全额纳入, 乙类部分纳入, 丙类自费', en: 'Insurance: A covered, B partly, C self-pay' },
  departments: { zh: '请选择科室 (近7天出诊)', en: 'Choose a department (the coming week)' },
  doctors: { zh: '{dept} {location}', en: '{dept} {location}' },
  sessions: { zh: '近7天出诊:', en: 'Sessions in the coming week:' },
  noSessions: { zh: '近7天无出诊', en: 'no session in the coming week' },
  session: { zh: '{day}{period} 余{left}', en: '{day} {period} {left} left' },
  specialty: { zh: '擅长: {text}', en: 'Specialty: {text}' },
  noIntro: { zh: '暂无医生介绍', en: 'No introduction is available' },
  scheduleNone: { zh: '近7天暂无医生出诊信息', en: 'No sessions are scheduled in the coming week' },
  historyTitle: { zh: '近90天缴费 共 {n} 笔 合计 {amount}', en: 'Last 90 days: {n} paid, {amount}' },
  historyNone: { zh: '近90天没有缴费记录', en: 'No payments in the last 90 days' },
  problem: { zh: '暂时无法查询', en: 'This cannot be looked up now' },
  morning: { zh: '上午', en: 'AM' },
  afternoon: { zh: '下午', en: 'PM' },
  sun: { zh: '周日', en: 'Sun' },
  mon: { zh: '周一', en: 'Mon' },
  tue: { zh: '周二', en: 'Tue' },
  wed: { zh: '周三', en: 'Wed' },
  thu: { zh: '周四', en: 'Thu' },
  fri: { zh: '周五', en: 'Fri' },
  sat: { zh: '周六', en: 'Sat' },
} satisfies Record<string, Text>;

const s = inquiryStrings;
const weekdays: Text[] = [s.sun, s.mon, s.tue, s.wed, s.thu, s.fri, s.sat];
/** The insurance classes in English, where 甲乙丙 would mean nothing. */
const classLetters: Record<InsuranceClass, string> = { 甲: 'A', 乙: 'B', 丙: 'C' };

function contextOf(view: ScreenView): InquiryContext | undefined {
  return view.flowContext as InquiryContext | undefined;
}

function sessionText(x: WeekSession, language: Language): string {
  const weekday = weekdays[new Date(`${x.date}T00:00:00Z`).getUTCDay()] ?? s.sun;
  return say(s.session, language, { day: `${x.date.slice(5)}${language === 'zh' ? '' : ' '}${say(weekday, language)}`, period: say(x.period === 'morning' ? s.morning : s.afternoon, language), left: x.remaining });
}

/** A keyboard types any letter in either case; the glass offers the letter groups. */
const letterKeys: ButtonSpec[] = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].flatMap((letter) => [
  { key: letter, label: letter, event: { type: 'letter', letter } },
  { key: letter.toLowerCase(), label: letter, event: { type: 'letter', letter } },
]);

function typingScreen(view: ScreenView, { language, width }: BodyArea): Body {
  const c = contextOf(view);
  const group = c?.group === undefined ? undefined : letterGroups[c.group];
  // The sixth box deletes, open group or not: a finger corrects where it types.
  const del: ButtonSpec = { key: '6', label: say(s.delete, language), event: { type: 'backspace' } };
  const items: ButtonSpec[] = group
    ? [...group].map((letter, index) => ({ key: String(index + 1), label: letter, event: { type: 'select', index } }))
    : letterGroups.map((g, index) => ({ key: String(index + 1), label: [...g].join(' '), event: { type: 'select', index } }));
  return {
    lines: [
      center(say(s.typed, language, { initials: (c?.initials ?? '').padEnd(MAX_INITIALS, '_') })),
      ...lines(language, width, group ? s.pickLetter : s.example),
    ],
    choices: { columns: 3, items: [...items, del] },
    buttons: [{ key: 'ENTER', label: say(s.search, language), event: { type: 'confirm' } }, back(language)],
    keys: [...letterKeys, { key: 'BACKSPACE', label: '<-', event: { type: 'backspace' } }, { key: 'ESCAPE', label: say(common.exit, language), event: { type: 'cancel' } }],
  };
}

function pricesScreen(view: ScreenView, { language, width }: BodyArea): Body {
  const c = contextOf(view);
  const total = c?.priceTotal ?? 0;
  const { first } = pageOf(total, c?.page ?? 0);
  const turn = pageTurn(total, c?.page ?? 0, language);
  const rows = (c?.prices ?? []).slice(first, first + PER_PAGE).map((p) => {
    const klass = language === 'zh' ? p.insuranceClass : classLetters[p.insuranceClass];
    return tableRow(sanitize(`${p.name} ${p.spec}`), sanitize(`${formatYuan(p.priceFen)}/${p.unit} ${klass}`), width);
  });
  return {
    lines: [center(say(s.matches, language, { initials: c?.initials ?? '', n: total })), ...rows, ...turn.line, center(truncate(say(s.classes, language), width))],
    buttons: [...turn.buttons, back(language)],
    keys: turn.keys,
  };
}

/** Departments or doctors as boxes three to a row, a page at a time; the title says which page. */
function pickScreen(items: string[], page: number, heading: string, extra: BodyLine[], { language, width }: BodyArea): Body {
  const { first } = pageOf(items.length, page);
  const turn = pageTurn(items.length, page, language);
  return {
    lines: [center(truncate([heading, ...turn.line.map((l) => l.text)].join('  '), width)), ...extra],
    choices: { columns: 3, items: items.slice(first, first + PER_PAGE).map((label, i) => ({ key: String(i + 1), label, event: { type: 'select', index: first + i } })) },
    buttons: [...turn.buttons, back(language)],
    keys: turn.keys,
  };
}

function doctorsScreen(view: ScreenView, area: BodyArea): Body {
  const c = contextOf(view);
  const dept = c && chosenDepartment(c);
  const doctors = dept?.doctors ?? [];
  const { first } = pageOf(doctors.length, c?.page ?? 0);
  // Each doctor's week on a line of its own, where the boxes leave room for it.
  const week = doctors.slice(first, first + PER_PAGE).map((d) => {
    const sessions = d.sessions.length ? d.sessions.map((x) => sessionText(x, area.language)).join(' ') : say(s.noSessions, area.language);
    return left(truncate(sanitize(`${d.name} ${d.title}: ${sessions}`), area.width));
  });
  const heading = say(s.doctors, area.language, { dept: sanitize(dept?.name ?? ''), location: sanitize(dept?.location ?? '') });
  return pickScreen(doctors.map((d) => sanitize(d.name)), c?.page ?? 0, heading, week, area);
}

/** Items side by side, as many to a line as fit, never one split over two lines. */
function packed(items: string[], width: number): string[] {
  const out: string[] = [];
  for (const item of items) {
    const last = out.at(-1);
    if (last !== undefined && displayWidth(`${last}  ${item}`) <= width) out[out.length - 1] = `${last}  ${item}`;
    else out.push(truncate(item, width));
  }
  return out;
}

function doctorScreen(view: ScreenView, { language, width }: BodyArea): Body {
  const c = contextOf(view);
  const doctor = c && chosenDoctor(c);
  const dept = c && chosenDepartment(c);
  const intro = c?.intro;
  const sessions = doctor?.sessions.length ? packed(doctor.sessions.map((x) => sessionText(x, language)), width) : [say(s.noSessions, language)];
  return {
    lines: [
      center(truncate(sanitize(`${doctor?.name ?? ''} ${doctor?.title ?? ''} ${dept?.name ?? ''}`), width)),
      ...(intro
        ? [
            left(truncate(say(s.specialty, language, { text: sanitize(intro.specialty) }), width)),
            ...wrap(sanitize(intro.profile), width).slice(0, 3).map(left),
          ]
        : lines(language, width, s.noIntro)),
      left(say(s.sessions, language)),
      ...sessions.slice(0, 3).map(left),
    ],
    buttons: [back(language)],
  };
}

function historyScreen(view: ScreenView, { language, width }: BodyArea): Body {
  const h = contextOf(view)?.history;
  const bills = h?.bills ?? [];
  if (bills.length === 0) return { lines: lines(language, width, s.historyNone), buttons: [ok(language), back(language)] };
  const page = contextOf(view)?.page ?? 0;
  const { first } = pageOf(bills.length, page);
  const turn = pageTurn(bills.length, page, language);
  const rows = bills.slice(first, first + PER_PAGE).map((b) =>
    tableRow(sanitize(`${b.paidAt.slice(5, 10)} ${b.department} ${b.hisReceiptNo}`), `${formatYuan(b.amountFen)} ${methodText(b.method, language)}`, width),
  );
  const title = say(s.historyTitle, language, { n: bills.length, amount: say(common.yuan, language, { amount: formatYuan(h?.totalFen ?? 0) }) });
  return { lines: [center(truncate(title, width)), ...rows, ...turn.line], buttons: [...turn.buttons, back(language)], keys: turn.keys };
}

export const inquiryBuilders: Record<string, Builder> = {
  'inquiry.menu': (_view, { language, width }) => ({
    lines: lines(language, width, s.menu),
    choices: { columns: 3, items: inquiryTopics.map((topic, index) => ({ key: String(index + 1), label: say(s[topic], language), event: { type: 'select', index } })) },
    buttons: [exit(language)],
  }),
  'inquiry.wait': message(s.wait),
  'inquiry.prices': typingScreen,
  'inquiry.prices.none': (view, { language, width }) => ({
    lines: [
      ...lines(language, width, { zh: say(s.none, 'zh', { initials: contextOf(view)?.initials ?? '' }), en: say(s.none, 'en', { initials: contextOf(view)?.initials ?? '' }) }),
      ...lines(language, width, s.noneHint),
    ],
    buttons: [{ key: '1', label: say(s.retype, language), event: { type: 'confirm' } }, { key: '0', label: say(common.back, language), event: { type: 'cancel' } }],
  }),
  'inquiry.prices.results': pricesScreen,
  'inquiry.schedule.none': (_view, { language, width }) => ({ lines: lines(language, width, s.scheduleNone), buttons: [ok(language), back(language)] }),
  'inquiry.departments': (view, area) => {
    const c = contextOf(view);
    return pickScreen((c?.departments ?? []).map((d) => sanitize(d.name)), c?.page ?? 0, say(s.departments, area.language), [], area);
  },
  'inquiry.doctors': doctorsScreen,
  'inquiry.doctor': doctorScreen,
  'inquiry.history': historyScreen,
  'inquiry.problem': (view, area) => ({
    lines: [...lines(area.language, area.width, s.problem), ...reason(view, area), blank, ...lines(area.language, area.width, common.goCounter)],
    buttons: [ok(area.language), exit(area.language)],
  }),
};
