import { maskCardNo } from '../../contract/mask.ts';
import type { CardIssueContext } from '../../machines/cardIssue.ts';
import { blank, center, exit, lines, ok, reason, type Builder, type ButtonSpec } from '../parts.ts';
import { common, say, type Text } from '../strings.ts';
import type { ScreenView } from '../view.ts';
import { sanitize, truncate } from '../width.ts';

/**
 * 建档发卡's screens: the offer when an ID card has no record, the ID card read again, who it
 * says the patient is, the mobile number keypad, the kiosk at work, and how it ended. The name is
 * shown in full only where the patient confirms it, beside the last 4 digits of the ID number.
 */
export const cardIssueLabel: Text = { zh: '办卡建档', en: 'New patient card' };

export const cardIssueStrings = {
  unknown: { zh: '未查询到您的就诊档案', en: 'This hospital has no record for your ID card' },
  offer: { zh: '是否现在建档并办理就诊卡?', en: 'Create a record and get a patient card now?' },
  issue: { zh: '建档办卡', en: 'Get a card' },
  noRecordHint: { zh: '请到人工窗口建档办卡', en: 'Please go to a staffed counter to register' },
  placeId: { zh: '请将身份证从感应区拿起, 再重新放上', en: 'Lift your ID card off the reader and place it again' },
  placeIdWhy: { zh: '建档需要再次读取身份证信息', en: 'Your details are read from it for the record' },
  confirmTitle: { zh: '请核对您的身份信息', en: 'Please check that this is you' },
  name: { zh: '姓名: {name}', en: 'Name: {name}' },
  idNumber: { zh: '身份证号: {id}', en: 'ID number: {id}' },
  phoneTitle: { zh: '请输入您的手机号码', en: 'Please type your mobile number' },
  phoneHint: { zh: '数字键输入, 退格删除, 回车确认', en: 'Digits to type, Backspace to correct, Enter to confirm' },
  phoneRule: { zh: '11 位手机号码, 以 1 开头', en: '11 digits, starting with 1' },
  enter: { zh: '确认', en: 'Enter' },
  dispensing: { zh: '正在发卡, 请稍候', en: 'Issuing your card, please wait' },
  creating: { zh: '正在建立就诊档案, 请稍候', en: 'Creating your record, please wait' },
  presenting: { zh: '正在出卡, 请稍候', en: 'Your card is coming out, please wait' },
  printing: { zh: '正在打印凭条, 请稍候', en: 'Printing your slip, please wait' },
  keeping: { zh: '就诊卡未能发出, 正在处理, 请稍候', en: 'Your card could not be handed out. Please wait' },
  releasing: { zh: '本次未建档, 正在收回未发出的卡', en: 'No record was made. Taking the unused card back' },
  stay: { zh: '请勿离开', en: 'Please do not leave' },
  done: { zh: '建档成功, 就诊卡已发出', en: 'Your record is made and your card is issued' },
  patientId: { zh: '病人ID: {id}', en: 'Patient number: {id}' },
  cardNo: { zh: '就诊卡号: {no}', en: 'Card number: {no}' },
  keepCard: { zh: '请收好就诊卡和凭条, 就诊时请带卡', en: 'Keep your card and slip; bring the card when you visit' },
  continue: { zh: '继续办理', en: 'Continue' },
  recordMade: { zh: '您的档案已建立, 但就诊卡未能发出', en: 'Your record is made, but your card could not be handed out' },
  collectCard: { zh: '请凭凭条到人工窗口领取就诊卡', en: 'Take the slip to a staffed counter for your card' },
  unconfirmed: { zh: '医院系统暂未确认建档结果', en: 'The hospital system has not confirmed your record yet' },
  checkAtCounter: { zh: '请凭凭条到人工窗口核实并领取就诊卡', en: 'Take the slip to a staffed counter to check it and get your card' },
  failed: { zh: '未能办卡: 未建档, 未扣费', en: 'No card was issued: no record was made and nothing was charged' },
  failedHint: { zh: '请到人工窗口建档办卡', en: 'Please go to a staffed counter to register' },
} satisfies Record<string, Text>;

const s = cardIssueStrings;

function contextOf(view: ScreenView): Partial<CardIssueContext> {
  return (view.flowContext as CardIssueContext | undefined) ?? {};
}

/** `138 1234 5___`: the number typed so far in the groups people read it in, the rest to come. */
function phoneField(phone: string): string {
  const cells = phone.padEnd(11, '_');
  return `[ ${cells.slice(0, 3)} ${cells.slice(3, 7)} ${cells.slice(7)} ]`;
}

/** Digits are keys, not touch targets; Enter, Escape and Backspace leave every digit free, 0 and 9 too. */
const digitKeys: ButtonSpec[] = [...[...'0123456789'].map((d): ButtonSpec => ({ key: d, label: d, event: { type: 'digit', digit: d } })), { key: 'BACKSPACE', label: '<-', event: { type: 'backspace' } }];

const waitText: Record<string, Text> = {
  'cardIssue.dispensing': s.dispensing,
  'cardIssue.creating': s.creating,
  'cardIssue.presenting': s.presenting,
  'cardIssue.printing': s.printing,
  'cardIssue.keeping': s.keeping,
  'cardIssue.releasing': s.releasing,
};

export const cardIssueBuilders: Record<string, Builder> = {
  // The session's own screens when an ID card has no record: the offer, or the way to the counter.
  'patient.unknown': (_view, { language, width }) => ({
    lines: [...lines(language, width, s.unknown), blank, ...lines(language, width, s.offer)],
    // A flow event, so the kiosk attaches the payment methods working now (a card fee may be due).
    buttons: [{ key: '1', label: say(s.issue, language), event: { type: 'flow', flow: 'cardIssue' } }, exit(language)],
  }),
  'patient.noRecord': (_view, { language, width }) => ({
    lines: [...lines(language, width, s.unknown), blank, ...lines(language, width, s.noRecordHint)],
    buttons: [ok(language), exit(language)],
  }),
  'cardIssue.placeId': (_view, { language, width }) => ({
    lines: [...lines(language, width, s.placeId), blank, ...lines(language, width, s.placeIdWhy)],
    buttons: [exit(language)],
  }),
  'cardIssue.confirm': (view, { language, width }) => {
    const person = contextOf(view).person;
    const id = person ? `${'*'.repeat(Math.max(0, person.idNumber.length - 4))}${person.idNumber.slice(-4)}` : '';
    return {
      lines: [
        ...lines(language, width, s.confirmTitle),
        blank,
        center(truncate(say(s.name, language, { name: sanitize(person?.name ?? '') }), width)),
        center(truncate(say(s.idNumber, language, { id }), width)),
      ],
      buttons: [ok(language), exit(language)],
    };
  },
  'cardIssue.phone': (view, { language, width }) => ({
    lines: [...lines(language, width, s.phoneTitle), blank, center(phoneField(contextOf(view).phone ?? '')), blank, ...lines(language, width, s.phoneRule, s.phoneHint)],
    buttons: [
      { key: 'ENTER', label: say(s.enter, language), event: { type: 'confirm' } },
      { key: 'ESCAPE', label: say(common.cancel, language), event: { type: 'cancel' } },
    ],
    keys: digitKeys,
  }),
  'cardIssue.wait': (view, { language, width }) => ({
    lines: [...lines(language, width, waitText[view.voice] ?? common.pleaseWait), blank, ...lines(language, width, s.stay)],
    buttons: [],
  }),
  'cardIssue.done': (view, { language, width }) => {
    const c = contextOf(view);
    return {
      lines: [
        ...lines(language, width, s.done),
        blank,
        center(truncate(say(s.patientId, language, { id: sanitize(c.patientId ?? '') }), width)),
        center(say(s.cardNo, language, { no: maskCardNo(c.cardNo ?? '') })),
        blank,
        ...lines(language, width, s.keepCard),
      ],
      buttons: [{ key: '1', label: say(s.continue, language), event: { type: 'confirm' } }],
    };
  },
  // The card is kept: the record was made (a patient number to name), or central could not say.
  'cardIssue.counter': (view, { language, width }) => {
    const c = contextOf(view);
    return {
      lines: c.patientId
        ? [...lines(language, width, s.recordMade), center(truncate(say(s.patientId, language, { id: sanitize(c.patientId) }), width)), blank, ...lines(language, width, s.collectCard)]
        : [...lines(language, width, s.unconfirmed), blank, ...lines(language, width, s.checkAtCounter)],
      buttons: [ok(language)],
    };
  },
  'cardIssue.failed': (view, area) => ({
    lines: [...lines(area.language, area.width, s.failed), ...reason(view, area), blank, ...lines(area.language, area.width, s.failedHint)],
    buttons: [ok(area.language)],
  }),
};
