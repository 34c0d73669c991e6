import type {
  AppointmentView,
  BalanceRefundResult,
  CancelResult,
  CheckInResult,
  CreatePatientResult,
  DepositResult,
  DischargeSettleResult,
  PayResult,
  RechargeResult,
  RegisterResult,
  ReportPrintedResult,
} from '../../../contract/rpc.ts';
import type {
  Appointment,
  BalanceRefund,
  Cancellation,
  CheckIn,
  CreatedPatient,
  DepositResult as HisDeposit,
  DischargeSettlement,
  HisPort,
  InsuranceShare,
  Recharge,
  Registration,
  ReportPrinted,
  Settlement,
} from '../../his/port.ts';

/**
 * The HIS calls a saga makes with our transaction id as the trade number: each takes effect once
 * per trade number and is answered by `queryTrade`, so an unknown outcome can be made definite and
 * the first answer fetched again by repeating the call (docs/his-interface.md, trade book).
 */
export type TradeFn =
  | 'createPatient'
  | 'register'
  | 'bookAppointment'
  | 'checkIn'
  | 'cancelAppointment'
  | 'settle'
  | 'recharge'
  | 'refundBalance'
  | 'payDeposit'
  | 'dischargeSettle'
  | 'markReportPrinted';

/** The call as the ledger keeps it (sealed): everything but the trade number and the insurance share, which the ledger holds. */
export interface TradeCall {
  fn: TradeFn;
  request: Record<string, unknown>;
}

/** Money the HIS says goes back to the patient, and the trade that collected it, when it names one. */
export interface OrderedRefund {
  amountFen: number;
  ofTxnId?: string;
  method?: string;
}

export interface TradeAnswer {
  /** The op's answer data, before any refunds are added. */
  data: Record<string, unknown>;
  hisReceiptNo?: string;
  invoiceNo?: string;
  ordered: OrderedRefund[];
}

const answers: { [F in TradeFn]: (result: Awaited<ReturnType<HisPort[F]>>) => TradeAnswer } = {
  createPatient: (r: CreatedPatient) => ({ data: { ...r } satisfies CreatePatientResult, hisReceiptNo: r.hisReceiptNo, ordered: [] }),
  register: (r: Registration) => ({ data: { ...r } satisfies RegisterResult, hisReceiptNo: r.hisReceiptNo, ordered: [] }),
  bookAppointment: (r: Appointment) => ({ data: { appointment: r } satisfies { appointment: AppointmentView }, ordered: [] }),
  checkIn: (r: CheckIn) => ({ data: { ...r } satisfies CheckInResult, hisReceiptNo: r.hisReceiptNo, ordered: [] }),
  cancelAppointment: (r: Cancellation) => ({
    data: { appointment: r.appointment, refundFen: r.refundFen, refunds: [], hisReceiptNo: r.hisReceiptNo, settledAt: r.settledAt } satisfies CancelResult,
    hisReceiptNo: r.hisReceiptNo,
    ordered: r.refundFen > 0 ? [{ amountFen: r.refundFen, ...(r.refundOf ? { ofTxnId: r.refundOf } : {}) }] : [],
  }),
  settle: (r: Settlement) => ({ data: { ...r } satisfies PayResult, hisReceiptNo: r.hisReceiptNo, ordered: [] }),
  recharge: (r: Recharge) => ({ data: { ...r } satisfies RechargeResult, hisReceiptNo: r.hisReceiptNo, ordered: [] }),
  // A legacy balance was paid in long ago, by means no channel of ours can give back.
  refundBalance: (r: BalanceRefund) => ({ data: { ...r, refunds: [] } satisfies BalanceRefundResult, hisReceiptNo: r.hisReceiptNo, ordered: r.refundFen > 0 ? [{ amountFen: r.refundFen, method: 'account' }] : [] }),
  payDeposit: (r: HisDeposit) => ({ data: { ...r } satisfies DepositResult, hisReceiptNo: r.hisReceiptNo, ordered: [] }),
  dischargeSettle: (r: DischargeSettlement) => {
    const { refunds, ...rest } = r;
    return {
      data: { ...rest, refunds: [] } satisfies DischargeSettleResult,
      hisReceiptNo: r.hisReceiptNo,
      invoiceNo: r.invoiceNo,
      ordered: refunds.map((d) => ({ amountFen: d.amountFen, method: d.method, ...(d.tradeNo ? { ofTxnId: d.tradeNo } : {}) })),
    };
  },
  markReportPrinted: (r: ReportPrinted) => ({ data: { ...r } satisfies ReportPrintedResult, ordered: [] }),
};

export async function invokeTrade(his: HisPort, call: TradeCall, tradeNo: string, insurance?: InsuranceShare): Promise<TradeAnswer> {
  const request = { ...call.request, tradeNo, ...(insurance && call.fn === 'settle' ? { insurance } : {}) };
  const method = his[call.fn] as (request: unknown) => Promise<never>;
  const result = await method.call(his, request);
  return (answers[call.fn] as (r: unknown) => TradeAnswer)(result);
}
