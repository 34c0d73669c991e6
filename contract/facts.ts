import { z } from 'zod';

/** Facts a kiosk tells central (`tx`), acknowledged in business terms (`tx/ack`), DESIGN.md §5/§7. */
export const factSchema = z.object({
  v: z.literal(1),
  kid: z.string(),
  journalId: z.string().min(1),
  seq: z.number().int().positive(),
  type: z.string().min(1).max(64),
  txnId: z.string().optional(),
  ts: z.number().int(),
  data: z.record(z.string(), z.unknown()),
});
export type Fact = z.infer<typeof factSchema>;

export const txAckSchema = z.union([
  z.object({ v: z.literal(1), journalId: z.string(), upToSeq: z.number().int().nonnegative() }),
  z.object({ v: z.literal(1), journalId: z.string(), resendFrom: z.number().int().positive() }),
]);
export type TxAck = z.infer<typeof txAckSchema>;

/** Fact types the bridge acts on; every other journal event is kept as audit. */
export const factTypes = {
  cardSaleResult: 'card.sale.result',
  cardVoidResult: 'card.void.result',
  /** The payment module's void or refund of a card sale the HIS ordered back (`data.refunds`): `{approved, ofTxnId, amountFen, rrn?, trace?}`. */
  cardRefundResult: 'card.refund.result',
  txnClosed: 'txn.closed',
} as const;

export const kioskStatusSchema = z.object({
  v: z.literal(1),
  ts: z.number().int(),
  kid: z.string(),
  state: z.enum(['online', 'maintenance', 'degraded', 'offline']),
  bootId: z.string(),
  connSeq: z.number().int(),
});
export type KioskStatus = z.infer<typeof kioskStatusSchema>;

export const centralStateSchema = z.object({
  v: z.literal(1),
  ts: z.number().int(),
  worker: z.string(),
  state: z.enum(['online', 'offline']),
});
export type CentralState = z.infer<typeof centralStateSchema>;
