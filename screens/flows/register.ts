import type { RegisterContext } from '../../machines/register.ts';
import { blank, center, exit, lines, ok, reason, type Builder, type ButtonSpec } from '../parts.ts';
import { common, say, type Language, type Text } from '../strings.ts';
import { sanitize, truncate } from '../width.ts';
import { back, pickedLines } from './schedule.ts';

/** Registration today's own screens (当日挂号); the picking screens are shared (schedule.ts). */
export const registerStrings = {
  label: { zh: '当日挂号', en: 'Register today' },
  unavailable: { zh: '暂无可用的支付方式, 暂时无法挂号', en: 'No way to pay is working now, so you cannot register here' },
  none: { zh: '今天已没有可挂的号', en: 'No numbers are left for today' },
  noneHint: { zh: '可选择预约挂号, 或到人工窗口', en: 'You can book a later day, or go to a staffed counter' },
  confirmTitle: { zh: '请确认挂号信息', en: 'Please check your registration' },
  when: { zh: '就诊时间: 今天 {day} {period} {start}-{end}', en: 'Time: today, {day} {period} {start}-{end}' },
  fee: { zh: '挂号费: {amount}', en: 'Fee: {amount}' },
  confirmHint: { zh: '确认后为您保留该号, 请随后缴费', en: 'When you confirm, the number is held while you pay' },
  confirm: { zh: '确认挂号', en: 'Register' },
  lockFailed: { zh: '未能为您保留该号', en: 'This number could not be held for you' },
  pickAgain: { zh: '重新选择', en: 'Choose again' },
  notRegistered: { zh: '挂号未成功, 挂号费已退回', en: 'You are not registered: the fee went back' },
  notRegisteredHint: { zh: '请取走凭条, 可重新选择号源', en: 'Please take your slip. You can choose again' },
  done: { zh: '挂号成功', en: 'You are registered' },
  seeNo: { zh: '就诊序号: {n}', en: 'Queue number: {n}' },
  visit: { zh: '就诊时间: {date} {time}', en: 'Time: {date} {time}' },
  where: { zh: '就诊地点: {place}', en: 'Place: {place}' },
  seeReceipt: { zh: '就诊序号和地点见挂号凭证', en: 'Your queue number and room are on the receipt' },
  takeReceipt: { zh: '请取走挂号凭证, 按时就诊', en: 'Please take your receipt and be there on time' },
} satisfies Record<string, Text>;

const s = registerStrings;

const pickAgain = (language: Language): ButtonSpec => ({ key: '1', label: say(s.pickAgain, language), event: { type: 'confirm' } });

const registered: Builder = (view, { language, width }) => {
  const a = (view.flowContext as RegisterContext | undefined)?.registration?.appointment;
  return {
    lines: [
      ...lines(language, width, s.done),
      blank,
      ...(a
        ? [
            center(say(s.seeNo, language, { n: a.seeNo })),
            center(truncate(say(s.visit, language, { date: a.date, time: a.visitTime }), width)),
            center(truncate(sanitize(say(s.where, language, { place: a.location })), width)),
            center(truncate(sanitize(`${a.deptName}  ${a.doctorName} ${a.doctorTitle}`), width)),
          ]
        : lines(language, width, s.seeReceipt)),
      blank,
      ...lines(language, width, s.takeReceipt),
    ],
    buttons: [ok(language)],
  };
};

export const registerBuilders: Record<string, Builder> = {
  'register.unavailable': (_view, { language, width }) => ({ lines: [...lines(language, width, s.unavailable), blank, ...lines(language, width, common.goCounter)], buttons: [ok(language)] }),
  'register.none': (_view, { language, width }) => ({ lines: [...lines(language, width, s.none), blank, ...lines(language, width, s.noneHint)], buttons: [ok(language)] }),
  'register.confirm': (view, { language, width }) => ({
    lines: [...lines(language, width, s.confirmTitle), blank, ...pickedLines(view, language, width, s.when, s.fee), blank, ...lines(language, width, s.confirmHint)],
    buttons: [{ key: '1', label: say(s.confirm, language), event: { type: 'confirm' } }, back(language)],
  }),
  'register.lockFailed': (view, area) => ({
    lines: [...lines(area.language, area.width, s.lockFailed), ...reason(view, area)],
    buttons: [pickAgain(area.language), exit(area.language)],
  }),
  'register.notRegistered': (_view, { language, width }) => ({
    lines: [...lines(language, width, s.notRegistered), blank, ...lines(language, width, s.notRegisteredHint)],
    buttons: [pickAgain(language), exit(language)],
  }),
  'register.done': registered,
};

