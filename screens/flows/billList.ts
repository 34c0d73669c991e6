import { formatYuan } from '../../contract/money.ts';
import type { PaymentMethod } from '../../contract/rpc.ts';
import { billListRanges, listRows, type BillListContext, type BillListing } from '../../machines/billList.ts';
import { pageOf, PER_PAGE } from '../../machines/paging.ts';
import { blank, center, exit, left, lines, message, ok, reason, type Body, type BodyArea, type BodyLine, type Builder, type ButtonSpec } from '../parts.ts';
import { common, say, type Language, type Text } from '../strings.ts';
import type { ScreenView } from '../view.ts';
import { displayWidth, padEnd, sanitize, truncate } from '../width.ts';

/** Bill-list printing's screens (费用清单): the choice of list, the list a page at a time, the print. */
export const billListLabel: Text = { zh: '费用清单', en: 'Bill lists' };

export const billListStrings = {
  wait: { zh: '正在查询, 请稍候', en: 'Looking it up, please wait' },
  choose: { zh: '请选择要打印的费用清单', en: 'Which bill list would you like?' },
  days: { zh: '近{n}天门诊', en: 'Outpatient, {n} days' },
  stay: { zh: '住院 {no}', en: 'Stay {no}' },
  empty: { zh: '该时间段内没有已缴费的门诊单据', en: 'No outpatient bills were paid in that time' },
  emptyHint: { zh: '可重新选择时间段', en: 'You may choose a longer time' },
  again: { zh: '重新选择', en: 'Choose again' },
  outpatient: { zh: '门诊费用清单 {from} 至 {to}', en: 'Outpatient bills {from} to {to}' },
  inpatient: { zh: '住院费用清单 {no}', en: 'Inpatient costs {no}' },
  outpatientTotal: { zh: '共 {n} 张  合计 {amount}', en: '{n} bills, total {amount}' },
  inpatientTotal: { zh: '共 {n} 项  合计 {amount}', en: '{n} lines, total {amount}' },
  print: { zh: '打印', en: 'Print' },
  printing: { zh: '正在打印费用清单, 请稍候, 请勿离开', en: 'Printing your bill list, please wait here' },
  printed: { zh: '费用清单已打印, 请取走凭条', en: 'Your bill list is printed. Please take it' },
  notPrinted: { zh: '费用清单未能打印', en: 'The bill list could not be printed' },
  notPrintedHint: { zh: '请到人工窗口打印', en: 'Please ask at a staffed counter' },
  another: { zh: '打印其他', en: 'Another' },
  problem: { zh: '暂时无法查询费用清单', en: 'Bill lists cannot be looked up now' },
  next: { zh: '下页', en: 'Next' },
  first: { zh: '首页', en: 'First' },
  card: { zh: '银行卡', en: 'card' },
  qr: { zh: '扫码', en: 'QR' },
  cash: { zh: '现金', en: 'cash' },
  insurance: { zh: '医保', en: 'insurance' },
} satisfies Record<string, Text>;

const s = billListStrings;

function contextOf(view: ScreenView): BillListContext | undefined {
  return view.flowContext as BillListContext | undefined;
}

export function methodText(method: PaymentMethod, language: Language): string {
  return say(s[method], language);
}

/** `label ........ amount`: the amount right-aligned on the body's width. */
export function tableRow(label: string, amount: string, width: number): BodyLine {
  return left(padEnd(truncate(label, width - displayWidth(amount) - 2), width - displayWidth(amount)) + amount);
}

/**
 * The page key of a long list: one touch target that goes forward and comes round from the last
 * page to the first, so print (or pick), page and back fit one button row; 7 goes back a page
 * from the keyboard. The page line says where the patient is.
 */
export function pageTurn(count: number, page: number, language: Language): { buttons: ButtonSpec[]; keys: ButtonSpec[]; line: BodyLine[] } {
  const { pages, current } = pageOf(count, page);
  if (pages <= 1) return { buttons: [], keys: [], line: [] };
  return {
    buttons: [{ key: '8', label: say(current === pages - 1 ? s.first : s.next, language), event: { type: 'page', delta: 1 } }],
    keys: [{ key: '7', label: say(common.previous, language), event: { type: 'page', delta: -1 } }],
    line: [center(say(common.page, language, { n: current + 1, of: pages }))],
  };
}

export const back = (language: Language): ButtonSpec => ({ key: '0', label: say(common.back, language), event: { type: 'back' } });

function rowsOf(listing: BillListing, first: number, language: Language, width: number): BodyLine[] {
  if (listing.kind === 'outpatient') {
    return listing.bills.slice(first, first + PER_PAGE).map((b) =>
      tableRow(sanitize(`${b.paidAt.slice(5, 10)} ${b.department} ${b.doctor} ${methodText(b.method, language)}`), formatYuan(b.amountFen), width),
    );
  }
  return listing.items.slice(first, first + PER_PAGE).map((i) => tableRow(sanitize(`${i.date.slice(5)} ${i.name} ${i.qty}${i.unit}`), formatYuan(i.amountFen), width));
}

function listScreen(view: ScreenView, { language, width }: BodyArea): Body {
  const c = contextOf(view);
  const listing = c?.listing;
  if (!listing) return { lines: lines(language, width, s.wait), buttons: [back(language)] };
  const count = listRows(listing);
  const { first } = pageOf(count, c.page);
  const turn = pageTurn(count, c.page, language);
  const heading =
    listing.kind === 'outpatient'
      ? say(s.outpatient, language, { from: listing.from.slice(5), to: listing.to.slice(5) })
      : say(s.inpatient, language, { no: sanitize(listing.admissionNo) });
  const total = say(listing.kind === 'outpatient' ? s.outpatientTotal : s.inpatientTotal, language, { n: count, amount: say(common.yuan, language, { amount: formatYuan(listing.totalFen) }) });
  return {
    lines: [center(truncate(heading, width)), ...rowsOf(listing, first, language, width), ...turn.line, center(truncate(total, width))],
    buttons: [{ key: '1', label: say(s.print, language), event: { type: 'confirm' } }, ...turn.buttons, back(language)],
    keys: turn.keys,
  };
}

export const billListBuilders: Record<string, Builder> = {
  'billList.wait': message(s.wait),
  'billList.choose': (view, { language, width }) => {
    const stay = contextOf(view)?.stay;
    const items: ButtonSpec[] = billListRanges.map((n, index) => ({ key: String(index + 1), label: say(s.days, language, { n }), event: { type: 'select', index } }));
    if (stay) items.push({ key: String(billListRanges.length + 1), label: say(s.stay, language, { no: sanitize(stay.admissionNo) }), event: { type: 'select', index: billListRanges.length } });
    return { lines: lines(language, width, s.choose), choices: { columns: 2, items }, buttons: [exit(language)] };
  },
  'billList.empty': (_view, { language, width }) => ({
    lines: lines(language, width, s.empty, s.emptyHint),
    buttons: [{ key: '1', label: say(s.again, language), event: { type: 'confirm' } }, exit(language)],
  }),
  'billList.list': listScreen,
  'billList.printing': message(s.printing),
  'billList.printed': (view, area) => {
    const { language, width } = area;
    const printed = contextOf(view)?.printed === true;
    return {
      lines: printed ? lines(language, width, s.printed) : [...lines(language, width, s.notPrinted), ...reason(view, area), blank, ...lines(language, width, s.notPrintedHint)],
      buttons: [ok(language), { key: '2', label: say(s.another, language), event: { type: 'back' } }],
    };
  },
  'billList.problem': (view, area) => ({
    lines: [...lines(area.language, area.width, s.problem), ...reason(view, area), blank, ...lines(area.language, area.width, common.goCounter)],
    buttons: [ok(area.language)],
  }),
};
