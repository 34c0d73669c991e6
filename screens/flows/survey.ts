import { surveyRatings, type SurveyRating } from '../../machines/session.ts';
import { blank, lines, pagedChoices, type Body, type BodyArea, type Builder } from '../parts.ts';
import { say, strings, type Text } from '../strings.ts';
import type { ScreenView } from '../view.ts';

/**
 * The satisfaction survey at the end of a visit (issue 5 §12): one tap, or none. It is asked
 * while the patient card waits at the gate (or the ID card lies on the pad), so the screen says
 * first what matters more: take your card.
 */
export const surveyStrings = {
  question: { zh: '您对本次自助服务满意吗?', en: 'How was your visit today?' },
  satisfied: { zh: '满意', en: 'Satisfied' },
  neutral: { zh: '一般', en: 'Neutral' },
  dissatisfied: { zh: '不满意', en: 'Unhappy' },
  hint: { zh: '轻触一项即可, 不记录个人信息', en: 'One tap. Nothing personal is kept' },
  skip: { zh: '跳过', en: 'Skip' },
  thanks: { zh: '谢谢您的评价', en: 'Thank you for telling us' },
} satisfies Record<string, Text>;

const s = surveyStrings;
const label: Record<SurveyRating, Text> = { satisfied: s.satisfied, neutral: s.neutral, dissatisfied: s.dissatisfied };

/** The card the patient takes with them: theirs at the gate, or their ID card on the pad; an e-voucher stays on their phone. */
function takeCard(view: ScreenView, { language, width }: BodyArea) {
  if (view.credType === 'insuranceCode') return [];
  return lines(language, width, view.credType === 'idCard' ? strings.goodbye.takeIdCard : strings['card.take'].title);
}

function ask(view: ScreenView, area: BodyArea): Body {
  const { language, width } = area;
  const page = pagedChoices(surveyRatings, 0, { label: (r) => say(label[r], language), language, columns: 3 });
  return {
    lines: [...takeCard(view, area), blank, ...lines(language, width, s.question, s.hint)],
    choices: page.choices,
    buttons: [{ key: '0', label: say(s.skip, language), event: { type: 'cancel' } }],
  };
}

export const surveyBuilders: Record<string, Builder> = {
  survey: ask,
  'survey.thanks': (view, area) => ({ lines: [...lines(area.language, area.width, s.thanks), blank, ...takeCard(view, area)], buttons: [] }),
};
