import type { DischargeContext, RefundShown } from '../../machines/discharge.ts';
import { blank, cancel, center, lines, message, ok, reason, yuan, type Body, type BodyLine, type Builder } from '../parts.ts';
import { common, say, type Language, type Text } from '../strings.ts';
import type { ScreenView } from '../view.ts';
import { sanitize, truncate } from '../width.ts';
import { figureRow, moneyOff, stayLines } from './deposit.ts';

/** Self-service discharge's screens (出院结算): eligibility, the final bill and its split, where the money went. */
export const dischargeLabel: Text = { zh: '出院结算', en: 'Discharge' };

export const dischargeStrings = {
  loading: { zh: '正在查询您的住院信息, 请稍候', en: 'Looking up your hospital stay, please wait' },
  none: { zh: '未查询到您的住院记录', en: 'No hospital stay is on record for you' },
  counter: { zh: '请到住院处办理出院结算', en: 'Please settle your discharge at the inpatient office' },
  notEligible: { zh: '暂不能在本机办理出院结算', en: 'Your discharge cannot be settled here yet' },
  NO_DISCHARGE_ORDER: { zh: '医生尚未开具出院医嘱', en: 'Your doctor has not ordered your discharge yet' },
  DISCHARGED: { zh: '本次住院已办理出院结算', en: 'This stay has already been settled' },
  total: { zh: '医疗费用合计', en: 'Total costs' },
  fund: { zh: '医保统筹支付', en: 'Insurance fund pays' },
  acct: { zh: '个人账户支付', en: 'Personal account pays' },
  self: { zh: '个人自付', en: 'You pay' },
  deposits: { zh: '预交金合计', en: 'Deposits paid' },
  due: { zh: '需补缴', en: 'Still to pay' },
  refund: { zh: '退还预交金', en: 'Deposit back to you' },
  settle: { zh: '确认结算', en: 'Settle now' },
  settling: { zh: '正在办理出院结算, 请稍候', en: 'Settling your discharge, please wait' },
  stay: { zh: '请勿离开', en: 'Please do not leave' },
  done: { zh: '出院结算完成', en: 'Your discharge is settled' },
  invoice: { zh: '电子票据号: {no}', en: 'E-invoice no: {no}' },
  paid: { zh: '已补缴', en: 'Paid now' },
  card: { zh: '{amount} 已退回银行卡', en: '{amount} back on your bank card' },
  channel: { zh: '{amount} 已原路退回微信/支付宝', en: '{amount} back to WeChat/Alipay' },
  voucher: { zh: '{amount} 请凭凭条到人工窗口领取', en: '{amount}: collect it at a counter with the slip' },
  refundPending: { zh: '{amount} 退款处理中, 凭凭条到窗口查询', en: '{amount} is on its way: ask at a counter with the slip' },
  moreRefunds: { zh: '另有 {n} 笔退款, 详见凭条', en: '{n} more refunds: see the slip' },
  noRefund: { zh: '预交金与费用相抵, 无需退补', en: 'The deposits match the costs: nothing to pay or refund' },
  takeSlips: { zh: '请取走凭条', en: 'Please take your slips' },
  pending: { zh: '出院结算结果待确认', en: 'The discharge settlement is not confirmed yet' },
  pendingHint: { zh: '请勿重复办理, 请凭凭条到人工窗口', en: 'Do not try again: take the slip to a staffed counter' },
  problem: { zh: '暂时无法办理出院结算', en: 'Your discharge cannot be settled here right now' },
} satisfies Record<string, Text>;

const s = dischargeStrings;

function contextOf(view: ScreenView): DischargeContext | undefined {
  return view.flowContext as DischargeContext | undefined;
}

/** The HIS's reasons in the patient's language where they are known, else its own words. */
function reasonLines(c: DischargeContext | undefined, language: Language, width: number): BodyLine[] {
  return (c?.check?.reasons ?? []).map((r) => {
    const known = r.code === 'NO_DISCHARGE_ORDER' || r.code === 'DISCHARGED' ? s[r.code] : undefined;
    return center(truncate(known ? say(known, language) : sanitize(r.message), width));
  });
}

// As many refunds as the body holds beside the title and invoice; the slip lists them all.
const SHOWN_REFUNDS = 4;

function refundLines(refunds: RefundShown[], language: Language, width: number): BodyLine[] {
  const shown = refunds.length <= SHOWN_REFUNDS ? refunds : refunds.slice(0, SHOWN_REFUNDS - 1);
  const line = (r: RefundShown) => center(truncate(say(r.how === 'pending' ? s.refundPending : s[r.how], language, { amount: yuan(r.amountFen, language) }), width));
  const more = refunds.length - shown.length;
  return [...shown.map(line), ...(more > 0 ? [center(say(s.moreRefunds, language, { n: more }))] : [])];
}

export const dischargeBuilders: Record<string, Builder> = {
  'discharge.loading': message(s.loading),
  'discharge.none': (_view, { language, width }) => ({ lines: lines(language, width, s.none, s.counter), buttons: [ok(language)] }),
  'discharge.notEligible': (view, { language, width }) => ({
    lines: [...lines(language, width, s.notEligible), blank, ...reasonLines(contextOf(view), language, width), blank, ...lines(language, width, s.counter)],
    buttons: [ok(language)],
  }),
  // The whole split before any money moves; the last row is what the patient pays or gets back.
  'discharge.split': (view, { language, width }): Body => {
    const c = contextOf(view);
    const p = c?.preSettle;
    const figures = p
      ? [
          figureRow(s.total, p.totalFen, language, width),
          figureRow(s.fund, p.fundFen, language, width),
          figureRow(s.acct, p.acctFen, language, width),
          figureRow(s.self, p.selfFen, language, width),
          figureRow(s.deposits, p.depositFen, language, width),
          p.dueFen > 0 ? figureRow(s.due, p.dueFen, language, width) : figureRow(s.refund, p.refundFen, language, width),
        ]
      : [];
    // Paying and refunding both need central and a printable slip: while money is off, only leaving is offered.
    if (!view.serviceAvailable) return { lines: [...stayLines(c?.admission, language, width), ...figures, ...moneyOff(view, language, width)], buttons: [cancel(language)] };
    return {
      lines: [...stayLines(c?.admission, language, width), blank, ...figures],
      buttons: [{ key: '1', label: say(s.settle, language), event: { type: 'confirm' } }, cancel(language)],
    };
  },
  'discharge.settling': message(s.settling, s.stay),
  'discharge.done': (view, { language, width }) => {
    const c = contextOf(view);
    const refunds = c?.refunds ?? [];
    const paidFen = c?.settled?.paidFen ?? c?.preSettle?.dueFen ?? 0;
    const outcome: BodyLine[] =
      c?.end === 'paid' ? [figureRow(s.paid, paidFen, language, width)] : refunds.length > 0 ? refundLines(refunds, language, width) : lines(language, width, s.noRefund);
    return {
      lines: [
        ...lines(language, width, s.done),
        ...(c?.settled?.invoiceNo ? [center(truncate(say(s.invoice, language, { no: sanitize(c.settled.invoiceNo) }), width))] : []),
        blank,
        ...outcome,
        blank,
        ...lines(language, width, s.takeSlips),
      ],
      buttons: [ok(language)],
    };
  },
  'discharge.pending': (view, area) => ({
    lines: [...lines(area.language, area.width, s.pending), ...reason(view, area), blank, ...lines(area.language, area.width, s.pendingHint)],
    buttons: [ok(area.language)],
  }),
  'discharge.problem': (view, area) => ({
    lines: [...lines(area.language, area.width, s.problem), ...reason(view, area), blank, ...lines(area.language, area.width, common.goCounter)],
    buttons: [ok(area.language)],
  }),
};
