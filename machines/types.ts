import type { Bill, CardPayment, InsuranceCredential, MoneyOp, PreSettleResult } from '../contract/rpc.ts';

/** What a screen state declares (DESIGN.md §4): the screen to draw and the voice prompt to play. */
export interface ScreenMeta {
  screen: string;
  voice: string;
  /** A patient-wait state: which timeout it counts down, shown on screen. */
  countdown?: keyof Timeouts;
  /**
   * The patient may go straight back to the menu from here (the footer's home key): the flow
   * holds nothing here (no lock, no open transaction) that leaving would strand.
   */
  home?: true;
}

export type PosStage = 'insertCard' | 'enterPin' | 'processing';

/**
 * What the bank module answered to a sale: the contract's card payment (masked PAN only) plus
 * whether it was approved and the module's words for it.
 */
export type CardSale = Omit<CardPayment, 'method'> & { approved: boolean; respCode: string; respInfo: string };

/** Notes taken for one payment; `changeFen` is owed back on a voucher (the kiosk gives no coins). */
export interface CashResult {
  insertedFen: number;
  notes: number[];
  changeFen: number;
  ended: 'paid' | 'stopped' | 'fault';
}

/** A payment central collected from the patient's WeChat or Alipay code for this transaction. */
export interface QrPaid {
  channel: 'wechat' | 'alipay';
  channelTradeNo: string;
  amountFen: number;
}

/** How a QR collection ended: `pending` means central itself could not tell yet (its saga goes on). */
export type QrOutcome = { state: 'paid'; qr: QrPaid } | { state: 'failed'; reason: string } | { state: 'pending'; reason: string };

/**
 * Money the patient handed over, by the method they chose; `insurance`: medical insurance pays it
 * all (fund and personal account), so nothing was handed over at the kiosk.
 */
export type Collected = { method: 'card'; sale: CardSale } | { method: 'cash'; cash: CashResult } | { method: 'qr'; qr: QrPaid } | { method: 'insurance' };

/** The ways a bill-payment flow can take money at this kiosk (insurance comes later). */
export type PayMethod = 'card' | 'qr' | 'cash';

/**
 * What central's settlement means for the money: `reverse` a card sale on the module; owe cash
 * back on a `voucher` (a cashier pays it out); `pending` for a cashier to settle.
 */
export type SettleOutcome =
  /** `result` is the op's answer (a registration's queue number, a deposit's new balance). */
  | { outcome: 'settled'; hisReceiptNo: string; result?: unknown }
  | { outcome: 'reverse'; reason: string }
  | { outcome: 'voucher'; reason: string }
  /** Central already refunded it through the channel it came from (QR). */
  | { outcome: 'refunded'; reason: string }
  /** Nothing was collected and nothing applied (an insurance-only settlement refused): the patient owes as before. */
  | { outcome: 'notApplied'; reason: string }
  | { outcome: 'pending'; reason: string };

/**
 * What central is asked to do with the money once it is collected: a money op and its arguments;
 * the payment object is added to them. Journaled before any money moves, so recovery at boot can
 * send the same op again under the same txnId.
 */
export interface SettlePlan {
  op: MoneyOp;
  args: Record<string, unknown>;
}

/** The payment machine's input: the flow already opened `txnId` in the journal and prepared it at central. */
export interface PaymentInput {
  txnId: string;
  /** What the patient pays at the kiosk (the self-pay part). */
  amountFen: number;
  plan: SettlePlan;
  timeouts: Timeouts;
  /** Methods working when the flow starts (DESIGN.md §5), in the order the screen offers them. */
  methods: PayMethod[];
  /** Whether an overpaying note is taken against a change voucher, so the cash screen can say. */
  cashChange: boolean;
  /** Bills whose items go on the receipt (the journal keeps only bill numbers and amounts). */
  receiptBills?: Bill[];
  /** Medical insurance pays everything (`amountFen` is 0): settle at once, collect nothing. */
  insuranceCovers?: boolean;
}

/**
 * How a payment ended. `retry`: the card or QR payment was declined and the patient asked to try
 * again; the transaction is closed, so the flow prepares a new one.
 */
export interface PaymentOutput {
  end: PaymentEnd;
  txnId: string;
  hisReceiptNo?: string;
  /** The money op's answer when it settled. */
  result?: unknown;
  retry?: boolean;
}

export interface BillPaymentInput {
  patientId: string;
  nameMasked: string;
  bills: Bill[];
  timeouts: Timeouts;
  /** Methods working when the flow starts (DESIGN.md §5), in the order the screen offers them. */
  methods: PayMethod[];
  /** Whether an overpaying note is taken against a change voucher, so the cash screen can say. */
  cashChange: boolean;
  /**
   * Medical insurance for this visit: offered when the hospital settles with the national platform
   * here; `credential` when the patient identified with something the platform reads (their ID card,
   * their e-voucher), else the flow asks for the e-voucher.
   */
  insurance?: { credential?: InsuranceCredential };
}

export interface Timeouts {
  /** A patient's choice on a screen. */
  choiceMs: number;
  /** Taking the card back at the gate before it is captured. */
  takeCardMs: number;
  /** The goodbye screen. */
  goodbyeMs: number;
}

/** `voucher`: cash was taken but nothing was paid; the patient has a voucher for a cashier. */
export type PaymentEnd = 'paid' | 'refunded' | 'voucher' | 'pending' | 'notPaid';

export interface BillPaymentOutput {
  end: PaymentEnd;
  txnId?: string;
  hisReceiptNo?: string;
}

export type { Bill, PreSettleResult };
