import { z } from 'zod';

/** RPC envelope and operations (DESIGN.md §7; issue 2's op list). Both sides validate with these. */
export const rpcStatuses = ['OK', 'FAILED', 'PENDING', 'UNKNOWN'] as const;
export type RpcStatus = (typeof rpcStatuses)[number];

export const rpcErrorCodes = [
  'BAD_REQUEST', // not JSON, or breaks the op's schema; message names the field
  'UNKNOWN_OP',
  'IDEMPOTENCY_CONFLICT', // the txnId was used with another op or other arguments
  'EXPIRED', // arrived past its deadline
  'TXN_ABANDONED', // the kiosk already gave up this transaction (txn.query recorded it)
  'TXN_REQUIRED', // a state-changing op without a txnId
  'NOT_FOUND', // patient, bill or pre-settlement unknown
  'NOT_PAYABLE', // bill paid already, or not this patient's
  'PRESETTLE_EXPIRED',
  'AMOUNT_MISMATCH',
  'HIS_REJECTED', // the HIS said no, definitely
  'HIS_UNAVAILABLE', // the HIS could not be reached; nothing was changed
  'INTERNAL',
] as const;
export type RpcErrorCode = (typeof rpcErrorCodes)[number];

export const txnIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a ULID of 26 Crockford base32 characters');

export const rpcRequestSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(64),
  ts: z.number().int().optional(),
  kid: z.string().optional(),
  op: z.string().min(1).max(64),
  txnId: txnIdSchema.optional(),
  deadline: z.number().int().positive().optional(),
  args: z.record(z.string(), z.unknown()),
});
export type RpcRequest = z.infer<typeof rpcRequestSchema>;

export interface RpcResponse<D = unknown> {
  v: 1;
  id: string;
  ts: number;
  status: RpcStatus;
  code?: RpcErrorCode;
  message?: string;
  data?: D;
}

const fenSchema = z.number().int().nonnegative();

/** The one payment object every money op takes. Only bank card exists in the skeleton. */
export const cardPaymentSchema = z.object({
  method: z.literal('card'),
  amountFen: fenSchema,
  rrn: z.string().min(1).max(12),
  trace: z.string().min(1).max(6),
  batch: z.string().min(1).max(6),
  authCode: z.string().max(6),
  panMasked: z.string().max(20).regex(/^[0-9*]*$/, 'masked: digits and * only'),
  tid: z.string().max(8),
  mid: z.string().max(15),
  settleDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
export const paymentSchema = z.discriminatedUnion('method', [cardPaymentSchema]);
export type Payment = z.infer<typeof paymentSchema>;
export type CardPayment = z.infer<typeof cardPaymentSchema>;

export const txnStates = ['OPEN', 'SETTLED', 'COMPENSATED', 'PENDING', 'ABANDONED'] as const;
export type TxnState = (typeof txnStates)[number];

export const ops = {
  'patient.identify': {
    txn: false,
    args: z.object({ credType: z.enum(['patientCard', 'idCard', 'insuranceCode']), credNo: z.string().min(1).max(64) }),
  },
  'bill.list': { txn: false, args: z.object({ patientId: z.string().min(1).max(64) }) },
  'bill.preSettle': {
    txn: true,
    args: z.object({ patientId: z.string().min(1).max(64), billNos: z.array(z.string().min(1).max(64)).min(1).max(50) }),
  },
  'bill.pay': { txn: true, args: z.object({ preSettleId: z.string().min(1).max(64), payment: paymentSchema }) },
  'txn.query': { txn: false, args: z.object({ txnId: txnIdSchema }) },
} as const;
export type OpName = keyof typeof ops;
export type OpArgs<O extends OpName> = z.infer<(typeof ops)[O]['args']>;

/** Ops that may follow the op that opened a transaction, under the same txnId. */
export const sagaSteps: Partial<Record<OpName, readonly OpName[]>> = {
  'bill.preSettle': ['bill.preSettle', 'bill.pay'],
};

export function isOpName(op: string): op is OpName {
  return Object.hasOwn(ops, op);
}

export interface BillItem {
  name: string;
  qty: number;
  unit: string;
  priceFen: number;
  amountFen: number;
}
export interface Bill {
  billNo: string;
  amountFen: number;
  department: string;
  doctor: string;
  createdAt: string;
  items: BillItem[];
}

export interface IdentifyResult {
  patientId: string;
  nameMasked: string;
}
export interface BillListResult {
  bills: Bill[];
}
export interface PreSettleResult {
  preSettleId: string;
  totalFen: number;
  fundFen: number;
  acctFen: number;
  selfFen: number;
  expiresAt: string;
}
export interface PayResult {
  hisReceiptNo: string;
  settledAt: string;
}
export type Compensation = 'reverse';
export interface TxnQueryResult {
  state: TxnState;
  compensate?: Compensation;
  hisReceiptNo?: string;
}

/** Canonical JSON (sorted keys) so a repeated request compares equal to the stored one. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Names the first offending field of a zod error, e.g. `args.payment.amountFen: expected number`. */
export function describeIssue(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return `${path || '(root)'}: ${issue.message}`;
}
