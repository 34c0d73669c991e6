import { fromPromise, type AnyStateMachine } from 'xstate';
import type { OpName, RpcResponse } from '../contract/rpc.ts';
import type { FlowName } from '../machines/flows.ts';
import { reportsMachine } from '../machines/reports.ts';
import type { providePayment } from './payment-actors.ts';
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
};

/** Asks central and insists on OK: a refusal or silence becomes an error with central's words. */
export function centralAsker(d: Pick<SessionDeps, 'link' | 'config'>) {
  return async <D>(op: OpName, args: Record<string, unknown>): Promise<D> => {
    if (!d.link.centralOnline) throw new Error('central is not reachable');
    const r: RpcResponse<D> = await d.link.rpc<D>({ op, args, timeoutMs: d.config.timeouts.rpcMs });
    if (r.status !== 'OK' || r.data === undefined) throw new Error(r.message ?? r.code ?? r.status);
    return r.data;
  };
}
