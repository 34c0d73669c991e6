import type { MethodBlock, MoneyBlock } from '../contract/fleet.ts';
import type { GuideStep } from '../contract/rpc.ts';
import type { Flow } from '../machines/flows.ts';
import type { CashboxCount, StaffAction, StaffNote } from '../machines/maintenance.ts';
import type { PrintSummary, ReportEntry } from '../machines/reports.ts';
import type { Bill, PayMethod, PaymentEnd, PosStage } from '../machines/types.ts';

/**
 * What a screen is drawn from: the screen id and voice id of the active state's `meta`, the
 * countdown of a patient-wait state, and the parts of the machines' contexts a screen shows.
 * The session host builds it from machine snapshots; screens never reach further.
 */
export interface ScreenView {
  screen: string;
  voice: string;
  /** Seconds left on a patient-wait state, or undefined for system-wait states. */
  secondsLeft?: number;
  hospital: string;
  location: string;
  kioskId: string;
  /** Central reachable and the devices a payment needs healthy (DESIGN.md §5). */
  serviceAvailable: boolean;
  /** Why money cannot move now, when it cannot: the patient is told, not left guessing. */
  moneyBlocks?: readonly MoneyBlock[];
  /** The kiosk has an ID card reader: the attract screen offers it. */
  idCardReader?: boolean;
  /** How the patient identified, for the goodbye screen's reminder to take an ID card. */
  credType?: 'patientCard' | 'idCard' | 'insuranceCode';
  nameMasked?: string;
  bills?: Bill[];
  totalFen?: number;
  selfFen?: number;
  /** A bill's insurance split, once pre-settled with insurance: what the fund and the personal account pay. */
  fundFen?: number;
  acctFen?: number;
  /** The bills may be settled with medical insurance: the confirm screen offers it. */
  insuranceOffered?: boolean;
  posStage?: PosStage;
  hisReceiptNo?: string;
  /** Once a bill is settled: where the patient goes next (the dispensing window, the lab), as the HIS said. */
  guide?: GuideStep[];
  txnId?: string;
  problem?: string;
  /** How the last payment ended, for the goodbye screen. */
  paymentEnd?: PaymentEnd;
  /** The method screen: each way to pay, and why one that is not offered is missing. */
  payMethods?: { method: PayMethod; offered: boolean; why?: MethodBlock }[];
  /** The cash screen: notes credited so far, and whether change is owed on a voucher or notes must not pay too much. */
  insertedFen?: number;
  cashChange?: boolean;
  /** The app of the payment code just scanned, while the patient confirms in it. */
  qrKind?: 'wechat' | 'alipay';
  /** The staff PIN screen: how many digits are typed (never the digits), and failed tries. */
  pinLength?: number;
  pinTries?: number;
  /** Maintenance mode: who is logged in, what the last action did, the cash-box count. */
  staffId?: string;
  staffResult?: StaffNote[];
  cashbox?: CashboxCount;
  /** The flows offered after identification (the menu), and the report-printing flow's state. */
  flows?: Flow[];
  /** The menu's page when it has more flows than fit. */
  menuPage?: number;
  /**
   * The running flow's own context (machines/flows.ts), read by that flow's screens in
   * screens/flows/: each flow's screens know its machine's context type.
   */
  flowContext?: unknown;
  reports?: ReportEntry[];
  printSummary?: PrintSummary;
  /** Staff took the kiosk out of service. */
  outOfService?: boolean;
  /** The footer offers home (back to the menu): the patient is identified and the state holds nothing. */
  homeOffered?: boolean;
  /** A patient on this visit has called staff: the footer says help is coming. */
  staffCalled?: boolean;
  /** Demo only: keys that play the patient (insert card, approve at the bank module). */
  demoKeys?: boolean;
}

/** Events a screen may send to the session machine. */
export type ScreenEvent =
  | { type: 'digit'; digit: string }
  | { type: 'backspace' }
  /** A letter of pinyin initials (the inquiry's price search), from a key or a letter on the glass. */
  | { type: 'letter'; letter: string }
  | { type: 'staff.action'; action: StaffAction }
  | { type: 'staff.counted'; matches: boolean }
  | { type: 'flow'; flow: Flow }
  | { type: 'select'; index: number }
  | { type: 'back' }
  | { type: 'insurance' }
  | { type: 'home' }
  | { type: 'page'; delta: 1 | -1 }
  | { type: 'pay' }
  | { type: 'confirm' }
  | { type: 'cancel' }
  | { type: 'retry' }
  | { type: 'method'; method: PayMethod }
  | { type: 'callStaff' };
