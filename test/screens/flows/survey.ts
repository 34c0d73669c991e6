import type { ScreenView } from '../../../screens/view.ts';
import { view } from '../views.ts';

/** The end-of-visit survey, asked while a patient card waits at the gate or an ID card lies on the pad. */
export const surveyCases: Array<[string, ScreenView]> = [
  ['survey patient card', view('survey', { secondsLeft: 30, credType: 'patientCard', paymentEnd: 'paid' })],
  ['survey ID card', view('survey', { secondsLeft: 30, credType: 'idCard' })],
  ['survey.thanks patient card', view('survey.thanks', { secondsLeft: 30, credType: 'patientCard' })],
  ['survey.thanks ID card', view('survey.thanks', { credType: 'idCard' })],
];
