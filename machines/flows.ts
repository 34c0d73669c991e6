import { appointmentsMachine } from './appointments.ts';
import { depositMachine } from './deposit.ts';
import { dischargeMachine } from './discharge.ts';
import { bookMachine } from './book.ts';
import { cardIssueMachine } from './cardIssue.ts';
import { prepaidMachine } from './prepaid.ts';
import { billListMachine } from './billList.ts';
import { inquiryMachine } from './inquiry.ts';
import { registerMachine } from './register.ts';
import { reportsMachine } from './reports.ts';
import type { PaymentEnd, PayMethod, Timeouts } from './types.ts';

/**
 * The flows a patient picks from the menu after identifying, besides paying bills (which the
 * session runs itself). Each is a machine invoked with `FlowInput` as the session's child `flow`;
 * the session forwards the screen's events to it and goes back to the menu when it ends. A flow
 * that takes money invokes the payment machine itself (machines/payment.ts).
 */
export const flowMachines = {
  reports: reportsMachine,
  deposit: depositMachine,
  discharge: dischargeMachine,
  appointments: appointmentsMachine,
  prepaid: prepaidMachine,
  register: registerMachine,
  book: bookMachine,
  billList: billListMachine,
  inquiry: inquiryMachine,
  // Offered by the session to an ID card with no record, never on the menu (machines/session.ts).
  cardIssue: cardIssueMachine,
};

export type FlowName = keyof typeof flowMachines;
export const flowNames = Object.keys(flowMachines) as FlowName[];

/** Everything on the menu: bills, and the flows above. */
export type Flow = 'bills' | FlowName;

export interface FlowInput {
  patientId: string;
  nameMasked: string;
  /** How the patient identified: a flow that needs the ID card itself reads it again. */
  credType: 'patientCard' | 'idCard' | 'insuranceCode';
  timeouts: Timeouts;
  /** Payment methods working when the patient picked the flow (DESIGN.md §5). */
  methods: PayMethod[];
  cashChange: boolean;
}

/** What a flow tells the session when it ends: a money flow says how its last payment ended, for the goodbye screen. */
export interface FlowOutput {
  end?: PaymentEnd;
  txnId?: string;
}
