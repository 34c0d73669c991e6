import type { Bill, CardPayment, PreSettleResult } from '../contract/rpc.ts';

/** What a screen state declares (DESIGN.md §4): the screen to draw and the voice prompt to play. */
export interface ScreenMeta {
  screen: string;
  voice: string;
  /** A patient-wait state: which timeout it counts down, shown on screen. */
  countdown?: keyof Timeouts;
}

export type PosStage = 'insertCard' | 'enterPin' | 'processing';

/**
 * What the bank module answered to a sale: the contract's card payment (masked PAN only) plus
 * whether it was approved and the module's words for it.
 */
export type CardSale = Omit<CardPayment, 'method'> & { approved: boolean; respCode: string; respInfo: string };

export type SettleOutcome =
  | { outcome: 'settled'; hisReceiptNo: string }
  | { outcome: 'reverse'; reason: string }
  | { outcome: 'pending'; reason: string };

export interface BillPaymentInput {
  patientId: string;
  nameMasked: string;
  bills: Bill[];
  timeouts: Timeouts;
}

export interface Timeouts {
  /** A patient's choice on a screen. */
  choiceMs: number;
  /** Taking the card back at the gate before it is captured. */
  takeCardMs: number;
  /** The goodbye screen. */
  goodbyeMs: number;
}

export type PaymentEnd = 'paid' | 'refunded' | 'pending' | 'notPaid';

export interface BillPaymentOutput {
  end: PaymentEnd;
  txnId?: string;
  hisReceiptNo?: string;
}

export type { Bill, PreSettleResult };
