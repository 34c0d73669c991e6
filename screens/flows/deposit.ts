import { formatYuan } from '../../contract/money.ts';
import type { InpatientInfoResult } from '../../contract/rpc.ts';
import { depositChoicesYuan, maxDepositYuan, otherAmountIndex, type DepositContext } from '../../machines/deposit.ts';
import { blank, cancel, center, exit, lines, message, ok, reason, yuan, type Body, type BodyLine, type Builder, type ButtonSpec } from '../parts.ts';
import { common, moneyBlockText, say, type Language, type Text } from '../strings.ts';
import type { ScreenView } from '../view.ts';
import { displayWidth, padEnd, sanitize, truncate } from '../width.ts';

/** Inpatient deposit's screens (住院预交金): the stay, the amount, the keypad, the confirmation, the new balance. */
export const depositLabel: Text = { zh: '住院预交金', en: 'Inpatient deposit' };

export const depositStrings = {
  loading: { zh: '正在查询您的住院信息, 请稍候', en: 'Looking up your hospital stay, please wait' },
  none: { zh: '未查询到您的在院记录', en: 'No current hospital stay is on record for you' },
  noneHint: { zh: '住院相关业务请到住院处办理', en: 'Please ask at the inpatient office' },
  admission: { zh: '住院号: {no}', en: 'Admission no: {no}' },
  place: { zh: '{dept} {ward} {bed}床', en: '{dept} {ward}, bed {bed}' },
  deposits: { zh: '已交预交金', en: 'Deposits paid' },
  costs: { zh: '已发生费用', en: 'Costs so far' },
  balance: { zh: '预交金余额', en: 'Balance' },
  pay: { zh: '缴纳预交金', en: 'Pay deposit' },
  choose: { zh: '请选择预交金额 (元)', en: 'How much would you like to pay (yuan)?' },
  other: { zh: '其他金额', en: 'Other' },
  keypad: { zh: '请输入预交金额 (整数元)', en: 'Type the amount in whole yuan' },
  typed: { zh: '[ {amount} ] 元', en: '[ {amount} ] yuan' },
  keypadHint: { zh: '数字键输入, 退格删除, 回车确认', en: 'Digits to type, Backspace to correct, Enter to confirm' },
  keypadLimit: { zh: '每次 1 至 {max} 元', en: 'From 1 to {max} yuan at a time' },
  enter: { zh: '确认', en: 'Enter' },
  confirmTitle: { zh: '请确认缴纳住院预交金', en: 'Please confirm the deposit' },
  amount: { zh: '缴纳金额: {amount}', en: 'Amount: {amount}' },
  confirm: { zh: '确认缴纳', en: 'Pay now' },
  done: { zh: '预交金缴纳成功', en: 'Your deposit is paid' },
  paidNow: { zh: '本次缴纳', en: 'Paid now' },
  receiptNo: { zh: '收据号: {no}', en: 'Receipt no: {no}' },
  takeReceipt: { zh: '请取走凭条', en: 'Please take your receipt' },
  problem: { zh: '暂时无法办理住院预交金', en: 'A deposit cannot be paid here right now' },
} satisfies Record<string, Text>;

const s = depositStrings;

function contextOf(view: ScreenView): DepositContext | undefined {
  return view.flowContext as DepositContext | undefined;
}

/** Admission number and where the patient lies, one line each; HIS text is sanitised. */
export function stayLines(a: InpatientInfoResult | undefined, language: Language, width: number): BodyLine[] {
  if (!a) return [];
  return [
    center(truncate(say(s.admission, language, { no: sanitize(a.admissionNo) }), width)),
    center(truncate(say(s.place, language, { dept: sanitize(a.deptName), ward: sanitize(a.ward), bed: sanitize(a.bed) }), width)),
  ];
}

/** Why money cannot move now (the first reason), where a flow would otherwise offer to pay or refund. */
export function moneyOff(view: ScreenView, language: Language, width: number): BodyLine[] {
  const block = view.moneyBlocks?.[0];
  return lines(language, width, block ? moneyBlockText[block] : moneyBlockText.noMethod);
}

/** Label and amount in one fixed-width row, so a column of them lines up when centred. */
export function figureRow(label: Text, amountFen: number, language: Language, width: number): BodyLine {
  const amount = yuan(amountFen, language);
  const rowWidth = Math.min(width, 40);
  const text = padEnd(truncate(say(label, language), rowWidth - displayWidth(amount) - 2), rowWidth - displayWidth(amount)) + amount;
  return center(text);
}

const digitKeys: ButtonSpec[] = [...[...'0123456789'].map((d): ButtonSpec => ({ key: d, label: d, event: { type: 'digit', digit: d } })), { key: 'BACKSPACE', label: '<-', event: { type: 'backspace' } }];

export const depositBuilders: Record<string, Builder> = {
  'deposit.loading': message(s.loading),
  'deposit.none': (_view, { language, width }) => ({ lines: lines(language, width, s.none, s.noneHint), buttons: [ok(language)] }),
  'deposit.stay': (view, { language, width }): Body => {
    const a = contextOf(view)?.admission;
    // The stay is shown either way; paying is offered only while money can move (DESIGN.md §5).
    return {
      lines: [
        ...stayLines(a, language, width),
        blank,
        ...(a ? [figureRow(s.deposits, a.depositFen, language, width), figureRow(s.costs, a.costFen, language, width), figureRow(s.balance, a.balanceFen, language, width)] : []),
        ...(view.serviceAvailable ? [] : [blank, ...moneyOff(view, language, width)]),
      ],
      buttons: view.serviceAvailable ? [{ key: '1', label: say(s.pay, language), event: { type: 'confirm' } }, exit(language)] : [exit(language)],
    };
  },
  'deposit.amount': (_view, { language, width }) => ({
    lines: lines(language, width, s.choose),
    choices: {
      columns: 3,
      items: [
        ...depositChoicesYuan.map((y, i): ButtonSpec => ({ key: String(i + 1), label: formatYuan(y * 100), event: { type: 'select', index: i } })),
        { key: String(otherAmountIndex + 1), label: say(s.other, language), event: { type: 'select', index: otherAmountIndex } },
      ],
    },
    buttons: [cancel(language)],
  }),
  // Digits are keys only, as on the staff PIN screen; 0 is a digit here, so Escape goes back.
  'deposit.keypad': (view, { language, width }) => ({
    lines: [
      ...lines(language, width, s.keypad),
      blank,
      center(say(s.typed, language, { amount: padEnd(contextOf(view)?.typed ?? '', String(maxDepositYuan).length).replaceAll(' ', '_') })),
      blank,
      ...lines(language, width, s.keypadHint, { zh: say(s.keypadLimit, 'zh', { max: maxDepositYuan }), en: say(s.keypadLimit, 'en', { max: maxDepositYuan }) }),
    ],
    buttons: [
      { key: 'ENTER', label: say(s.enter, language), event: { type: 'confirm' } },
      { key: 'ESCAPE', label: say(common.back, language), event: { type: 'cancel' } },
    ],
    keys: digitKeys,
  }),
  'deposit.confirm': (view, { language, width }) => {
    const c = contextOf(view);
    return {
      lines: [
        ...lines(language, width, s.confirmTitle),
        blank,
        ...stayLines(c?.admission, language, width),
        blank,
        center(say(s.amount, language, { amount: yuan(c?.amountFen ?? 0, language) })),
      ],
      buttons: [{ key: '1', label: say(s.confirm, language), event: { type: 'confirm' } }, { key: '0', label: say(common.back, language), event: { type: 'cancel' } }],
    };
  },
  'deposit.paid': (view, { language, width }) => {
    const c = contextOf(view);
    const r = c?.result;
    return {
      lines: [
        ...lines(language, width, s.done),
        blank,
        figureRow(s.paidNow, r?.amountFen ?? c?.amountFen ?? 0, language, width),
        ...(r ? [figureRow(s.deposits, r.depositFen, language, width), figureRow(s.balance, r.balanceFen, language, width)] : []),
        ...(c?.hisReceiptNo ? [center(truncate(say(s.receiptNo, language, { no: sanitize(c.hisReceiptNo) }), width))] : []),
        blank,
        ...lines(language, width, s.takeReceipt),
      ],
      buttons: [ok(language)],
    };
  },
  'deposit.problem': (view, area) => ({
    lines: [...lines(area.language, area.width, s.problem), ...reason(view, area), blank, ...lines(area.language, area.width, common.goCounter)],
    buttons: [ok(area.language)],
  }),
};
