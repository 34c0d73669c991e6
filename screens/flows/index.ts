import type { FlowName } from '../../machines/flows.ts';
import type { Builder } from '../parts.ts';
import { strings, type Text } from '../strings.ts';
import { appointmentsBuilders, appointmentsLabel, appointmentsStrings } from './appointments.ts';
import { cardIssueBuilders, cardIssueLabel, cardIssueStrings } from './cardIssue.ts';
import { depositBuilders, depositLabel, depositStrings } from './deposit.ts';
import { dischargeBuilders, dischargeLabel, dischargeStrings } from './discharge.ts';
import { prepaidBuilders, prepaidStrings } from './prepaid.ts';
import { bookBuilders, bookStrings } from './book.ts';
import { billListBuilders, billListLabel, billListStrings } from './billList.ts';
import { inquiryBuilders, inquiryLabel, inquiryStrings } from './inquiry.ts';
import { registerBuilders, registerStrings } from './register.ts';
import { scheduleBuilders, scheduleStrings } from './schedule.ts';
// The end-of-visit survey is no flow, but its screens are drawn the same way.
import { surveyBuilders, surveyStrings } from './survey.ts';

/**
 * Each flow's screens (issue 5): its menu label, and a builder per screen id its machine names in
 * `meta`. A flow's strings live in its own file beside its builders; `flowStrings` gathers them so
 * the width and language tests see every word on screen. Report printing's screens predate this
 * and live with the core screens.
 */
export const flowLabels: Record<FlowName, Text> = {
  reports: strings.menu.reports,
  deposit: depositLabel,
  discharge: dischargeLabel,
  appointments: appointmentsLabel,
  prepaid: prepaidStrings.label,
  cardIssue: cardIssueLabel,
  register: registerStrings.label,
  book: bookStrings.label,
  billList: billListLabel,
  inquiry: inquiryLabel,
};

export const flowStrings: Record<string, Record<string, Text>> = {
  deposit: depositStrings,
  discharge: dischargeStrings,
  appointments: appointmentsStrings,
  prepaid: prepaidStrings,
  cardIssue: cardIssueStrings,
  survey: surveyStrings,
  // Registration today and booking ahead share the screens of picking a number.
  schedule: scheduleStrings,
  register: registerStrings,
  book: bookStrings,
  billList: billListStrings,
  inquiry: inquiryStrings,
};

export const flowBuilders: Partial<Record<string, Builder>> = {
  ...depositBuilders,
  ...dischargeBuilders,
  ...appointmentsBuilders,
  ...prepaidBuilders,
  ...cardIssueBuilders,
  ...surveyBuilders,
  ...scheduleBuilders,
  ...registerBuilders,
  ...bookBuilders,
  ...billListBuilders,
  ...inquiryBuilders,
};
