import type { ScreenView } from '../../../screens/view.ts';
import { appointmentsCases } from './appointments.ts';
import { cardIssueCases } from './cardIssue.ts';
import { depositCases } from './deposit.ts';
import { dischargeCases } from './discharge.ts';
import { prepaidCases } from './prepaid.ts';
import { bookCases } from './book.ts';
import { registerCases } from './register.ts';
import { surveyCases } from './survey.ts';
import { billListCases } from './billList.ts';
import { inquiryCases } from './inquiry.ts';

/**
 * Views for each flow's screens (screens/flows/), one file per flow beside this one, gathered
 * here for the render test: every flow screen id needs at least one case.
 */
export const flowCases: Array<[string, ScreenView]> = [...depositCases, ...dischargeCases, ...appointmentsCases, ...cardIssueCases, ...prepaidCases, ...surveyCases, ...registerCases, ...bookCases, ...billListCases, ...inquiryCases];
