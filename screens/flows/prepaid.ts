import { formatYuan } from '../../contract/money.ts';
import { accountActions, maxRechargeYuan, rechargePresetsFen, type AccountAction, type PrepaidContext, type RefundGiven } from '../../machines/prepaid.ts';
import { blank, cancel, center, exit, lines, ok, pagedChoices, reason, yuan, type Body, type BodyArea, type Builder, type ButtonSpec } from '../parts.ts';
import { common, say, type Language, type Text } from '../strings.ts';
import type { ScreenView } from '../view.ts';
import { padEnd, truncate } from '../width.ts';

/** The prepaid account's screens (machines/prepaid.ts): balance, recharge amount, refund and where it went. */
export const prepaidStrings = {
  label: { zh: '账户余额', en: 'Account' },
  loading: { zh: '正在查询您的预交金账户, 请稍候', en: 'Looking up your prepaid account, please wait' },
  notOffered: { zh: '本院不办理门诊预交金账户', en: 'This hospital runs no prepaid outpatient account' },
  notOfferedHint: { zh: '您没有预交金余额, 费用请在缴费时直接支付', en: 'You hold no prepaid balance. Pay each bill when it is due' },
  problem: { zh: '暂时无法查询预交金账户', en: 'Your prepaid account cannot be looked up now' },
  balance: { zh: '预交金余额: {amount}', en: 'Prepaid balance: {amount}' },
  closed: { zh: '本院已停止门诊预交金充值, 余额可全部退还', en: 'Top-ups have stopped here; the balance can be refunded' },
  noMethod: { zh: '暂无可用的支付方式, 暂不能充值', en: 'No way to pay is working now, so no top-up' },
  recharge: { zh: '充值', en: 'Top up' },
  refund: { zh: '退还余额', en: 'Refund balance' },
  amountTitle: { zh: '请选择充值金额 (元)', en: 'How much would you like to add (yuan)?' },
  other: { zh: '其他金额', en: 'Other' },
  keypad: { zh: '请输入充值金额 (整数元)', en: 'Type the amount in whole yuan' },
  typed: { zh: '[ {amount} ] 元', en: '[ {amount} ] yuan' },
  keypadHint: { zh: '数字键输入, 退格删除, 回车确认', en: 'Digits to type, Backspace to correct, Enter to confirm' },
  keypadLimit: { zh: '每次 1 至 {max} 元', en: 'From 1 to {max} yuan at a time' },
  enter: { zh: '确认', en: 'Enter' },
  recharged: { zh: '充值成功', en: 'Top-up successful' },
  newBalance: { zh: '当前余额: {amount}', en: 'Balance now: {amount}' },
  takeReceipt: { zh: '请取走凭条', en: 'Please take your receipt' },
  refundTitle: { zh: '退还全部预交金余额', en: 'Refund the whole prepaid balance' },
  refundAmount: { zh: '退款金额: {amount}', en: 'Refund: {amount}' },
  refundHint: { zh: '退款去向将显示在屏幕上, 并打印退费凭条', en: 'Where the money goes is shown here and on the slip' },
  refundConfirm: { zh: '确认退费', en: 'Refund' },
  refunding: { zh: '正在办理退费, 请稍候, 请勿离开', en: 'Refunding, please wait here' },
  refunded: { zh: '退费已办理, 余额为 0', en: 'Refunded. Your balance is now 0' },
  toCard: { zh: '{amount} 已退回银行卡', en: '{amount} is back on your bank card' },
  toChannel: { zh: '{amount} 已原路退回微信/支付宝', en: '{amount} is back in WeChat/Alipay' },
  toCounter: { zh: '{amount} 请凭退费凭条到人工窗口领取', en: '{amount}: collect it at a staffed counter with the slip' },
  toPending: { zh: '{amount} 退款处理中, 请凭凭条到人工窗口查询', en: '{amount} is on its way; ask at a counter with the slip' },
  refundRefused: { zh: '未能退费, 您的余额没有变化', en: 'Not refunded. Your balance is unchanged' },
  refundPending: { zh: '退费结果暂未确认, 余额不会丢失', en: 'The refund is not confirmed yet. No money is lost' },
  askCounter: { zh: '请凭凭条到人工窗口查询', en: 'Please ask at a staffed counter with the slip' },
} satisfies Record<string, Text>;

const s = prepaidStrings;
const contextOf = (view: ScreenView) => view.flowContext as PrepaidContext | undefined;
const actionLabel: Record<AccountAction, Text> = { recharge: s.recharge, refund: s.refund };
const givenText: Record<RefundGiven['how'], Text> = { card: s.toCard, channel: s.toChannel, voucher: s.toCounter, pending: s.toPending };

function amountLine(text: Text, amountFen: number, { language, width }: BodyArea) {
  return center(truncate(say(text, language, { amount: yuan(amountFen, language) }), width));
}

function account(view: ScreenView, area: BodyArea): Body {
  const { language, width } = area;
  const c = contextOf(view);
  const balanceFen = c?.account?.balanceFen ?? 0;
  const actions = c ? accountActions(c) : [];
  const page = pagedChoices(actions, 0, { label: (a) => say(actionLabel[a], language), language, columns: 2 });
  return {
    lines: [
      amountLine(s.balance, balanceFen, area),
      blank,
      ...(c?.account?.rechargeOffered ? (c.methods.length === 0 ? lines(language, width, s.noMethod) : []) : lines(language, width, s.closed)),
    ],
    choices: page.choices,
    buttons: [exit(language)],
  };
}

function amount(_view: ScreenView, { language, width }: BodyArea): Body {
  const items = [...rechargePresetsFen, 'other' as const];
  const page = pagedChoices(items, 0, { label: (a) => (a === 'other' ? say(s.other, language) : formatYuan(a)), language, columns: 3 });
  return { lines: lines(language, width, s.amountTitle), choices: page.choices, buttons: [{ key: '0', label: say(common.back, language), event: { type: 'cancel' } }] };
}

const digitKeys: ButtonSpec[] = [...[...'0123456789'].map((d): ButtonSpec => ({ key: d, label: d, event: { type: 'digit', digit: d } })), { key: 'BACKSPACE', label: '<-', event: { type: 'backspace' } }];

/** Digits are keys only, as on the staff PIN screen; 0 is a digit here, so Escape goes back. */
function keypad(view: ScreenView, { language, width }: BodyArea): Body {
  const typed = padEnd(contextOf(view)?.typed ?? '', String(maxRechargeYuan).length).replaceAll(' ', '_');
  const limit = (l: Language) => say(s.keypadLimit, l, { max: maxRechargeYuan });
  return {
    lines: [...lines(language, width, s.keypad), blank, center(say(s.typed, language, { amount: typed })), blank, ...lines(language, width, s.keypadHint, { zh: limit('zh'), en: limit('en') })],
    buttons: [
      { key: 'ENTER', label: say(s.enter, language), event: { type: 'confirm' } },
      { key: 'ESCAPE', label: say(common.back, language), event: { type: 'cancel' } },
    ],
    keys: digitKeys,
  };
}

function recharged(view: ScreenView, area: BodyArea): Body {
  const { language, width } = area;
  const c = contextOf(view);
  return {
    lines: [
      ...lines(language, width, s.recharged),
      ...(c?.amountFen === undefined ? [] : [center(yuan(c.amountFen, language))]),
      ...(c?.newBalanceFen === undefined ? [] : [amountLine(s.newBalance, c.newBalanceFen, area)]),
      blank,
      ...lines(language, width, s.takeReceipt),
    ],
    buttons: [ok(language)],
  };
}

function refundConfirm(view: ScreenView, area: BodyArea): Body {
  const { language, width } = area;
  return {
    lines: [...lines(language, width, s.refundTitle), blank, amountLine(s.refundAmount, contextOf(view)?.account?.balanceFen ?? 0, area), blank, ...lines(language, width, s.refundHint)],
    buttons: [{ key: '1', label: say(s.refundConfirm, language), event: { type: 'confirm' } }, cancel(language)],
  };
}

/** Where each sum went, said plainly; a refusal or an unconfirmed refund says what the patient does next. */
function refunded(view: ScreenView, area: BodyArea): Body {
  const { language, width } = area;
  const r = contextOf(view)?.refund;
  const said = (language: Language, text: Text, g: RefundGiven) => say(text, language, { amount: yuan(g.amountFen, language) });
  const body =
    r?.state === 'done'
      ? [...lines(language, width, s.refunded), blank, ...r.given.flatMap((g) => lines(language, width, { zh: said('zh', givenText[g.how], g), en: said('en', givenText[g.how], g) }))]
      : r?.state === 'refused'
        ? [...lines(language, width, s.refundRefused), ...reason({ ...view, problem: r.reason }, area)]
        : [...lines(language, width, s.refundPending), blank, ...lines(language, width, s.askCounter)];
  return { lines: body, buttons: [ok(language)] };
}

export const prepaidBuilders: Record<string, Builder> = {
  'prepaid.loading': (_view, { language, width }) => ({ lines: lines(language, width, s.loading), buttons: [] }),
  'prepaid.notOffered': (_view, { language, width }) => ({ lines: [...lines(language, width, s.notOffered), blank, ...lines(language, width, s.notOfferedHint)], buttons: [ok(language)] }),
  'prepaid.problem': (view, area) => ({ lines: [...lines(area.language, area.width, s.problem), ...reason(view, area), blank, ...lines(area.language, area.width, common.goCounter)], buttons: [ok(area.language)] }),
  'prepaid.account': account,
  'prepaid.amount': amount,
  'prepaid.keypad': keypad,
  'prepaid.recharged': recharged,
  'prepaid.refundConfirm': refundConfirm,
  'prepaid.refunding': (_view, { language, width }) => ({ lines: lines(language, width, s.refunding), buttons: [] }),
  'prepaid.refunded': refunded,
};
