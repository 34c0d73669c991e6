import type { OpArgs, OpName } from '../../../contract/rpc.ts';
import type { OpContext, OpOutcome } from '../context.ts';
import { accountOps } from './account.ts';
import { billOps } from './bills.ts';
import { inpatientOps } from './inpatient.ts';
import { inquiryOps } from './inquiry.ts';
import { patientOps } from './patient.ts';
import { qrOps } from './qr.ts';
import { reportOps } from './reports.ts';
import { scheduleOps } from './schedule.ts';
import { txnOps } from './txn.ts';

/** Every op of the contract, by domain; the type fails to compile when one is missing. */
export const operations: { [O in OpName]: (ctx: OpContext, args: OpArgs<O>) => Promise<OpOutcome> } = {
  ...patientOps,
  ...scheduleOps,
  ...billOps,
  ...accountOps,
  ...inpatientOps,
  ...reportOps,
  ...inquiryOps,
  ...qrOps,
  ...txnOps,
};
