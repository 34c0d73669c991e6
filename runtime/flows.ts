import { fromPromise, type AnyStateMachine } from 'xstate';
import type { OpName, RpcResponse } from '../contract/rpc.ts';
import type { FlowName } from '../machines/flows.ts';
import { reportsMachine } from '../machines/reports.ts';
import { provideAppointments } from './flows/appointments.ts';
import { provideDeposit } from './flows/deposit.ts';
import { provideDischarge } from './flows/discharge.ts';
import { providePrepaid } from './flows/prepaid.ts';
import { provideBook } from './flows/book.ts';
import { cardIssueOffered, provideCardIssue } from './flows/cardIssue.ts';
import { provideRegister } from './flows/register.ts';
import { provideBillList } from './flows/billList.ts';
import { provideInquiry } from './flows/inquiry.ts';
import type { providePayment } from './payment-actors.ts';
import { CentralRefusal } from './link.ts';
import type { SessionDeps } from './session-host.ts';

/** What a flow's actors may use: the kiosk's devices and steps, central, and the payment machine with its real steps. */
export interface FlowDeps extends SessionDeps {
  payment: ReturnType<typeof providePayment>;
  /** A query to central that must answer OK; anything else is an error the flow shows. */
  ask: <D>(op: OpName, args: Record<string, unknown>) => Promise<D>;
}

interface FlowRuntime {
  /** Whether this kiosk can run the flow at all (its devices, the hospital's options). */
  offered: (d: SessionDeps) => boolean;
  /** The flow's machine with the real actors. */
  provide: (d: FlowDeps) => AnyStateMachine;
}

/** The runtime half of machines/flows.ts: one entry per flow. */
export const flowRuntimes: Record<FlowName, FlowRuntime> = {
  reports: {
    offered: (d) => d.reports !== undefined,
    provide: (d) =>
      reportsMachine.provide({
        actors: {
          listReports: fromPromise(({ input }) => d.reports!.list(input.patientId)),
          printReports: fromPromise(({ input }) => d.reports!.printAll(input.patientId, input.reports)),
        },
      }),
  },
  // Every kiosk has the bank module and the receipt printer these need; the session passes the methods working now.
  deposit: { offered: () => true, provide: provideDeposit },
  discharge: { offered: () => true, provide: provideDischarge },
  // Check-in pays through the payment machine; cancelling needs only central and, for card refunds, the bank module every kiosk has.
  appointments: { offered: () => true, provide: provideAppointments },
  // Only central knows whether the hospital runs prepaid accounts: the flow asks, and says so when it does not.
  prepaid: { offered: () => true, provide: providePrepaid },
  // The fee is taken by the bank module every kiosk has; the slip of a booking by its receipt printer.
  register: { offered: () => true, provide: provideRegister },
  book: { offered: () => true, provide: provideBook },
  // Lists print on the receipt printer every kiosk has; inquiry needs only central and the screen.
  billList: { offered: () => true, provide: provideBillList },
  inquiry: { offered: () => true, provide: provideInquiry },
  cardIssue: { offered: cardIssueOffered, provide: provideCardIssue },
};

/** Asks central and insists on OK: a refusal or silence becomes an error with central's words. */
export function centralAsker(d: Pick<SessionDeps, 'link' | 'config'>) {
  return async <D>(op: OpName, args: Record<string, unknown>): Promise<D> => {
    if (!d.link.centralOnline) throw new Error('central is not reachable');
    const r: RpcResponse<D> = await d.link.rpc<D>({ op, args, timeoutMs: d.config.timeouts.rpcMs });
    if (r.status !== 'OK' || r.data === undefined) throw new CentralRefusal(r.message ?? r.code ?? r.status, r.code);
    return r.data;
  };
}
