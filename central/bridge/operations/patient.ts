import { maskName } from '../../../contract/mask.ts';
import type { IdentifyResult, OpArgs } from '../../../contract/rpc.ts';
import { asking, ok, type OpContext } from '../context.ts';
import { runMoneySaga } from '../saga/money.ts';

export const patientOps = {
  /** The name leaves masked: the kiosk shows `张*`, never the clear name (DESIGN.md §1). */
  'patient.identify': (ctx: OpContext, args: OpArgs<'patient.identify'>) =>
    asking(
      () => ctx.his.identifyPatient(args),
      (p) => ok({ patientId: p.patientId, nameMasked: maskName(p.name) } satisfies IdentifyResult),
    ),

  /** 建档发卡: the ID card's data goes to the HIS only; the ledger keeps the call sealed, for a replay. */
  'patient.create': (ctx: OpContext, args: OpArgs<'patient.create'>) => {
    const { payment, ...person } = args;
    return runMoneySaga(ctx, 'patient.create', { fn: 'createPatient', request: { ...person, ...(payment ? { payment } : {}) } }, payment);
  },
};
