import type { PendingView, QrChannelName, QrPaymentResult, TxnQueryResult, TxnState } from '../../contract/rpc.ts';
import type { Ledger, LedgerState, LedgerTxn } from './ledger.ts';

/** What a kiosk is told of a transaction: the internal saga states read as OPEN, never as "nothing paid". */
const publicStates: Record<LedgerState, TxnState> = {
  OPEN: 'OPEN',
  PAYING: 'OPEN',
  SETTLED: 'SETTLED',
  COMPENSATING: 'OPEN',
  COMPENSATED: 'COMPENSATED',
  PENDING: 'PENDING',
  ABANDONED: 'ABANDONED',
};

export function qrView(txn: LedgerTxn): QrPaymentResult {
  return {
    state: txn.qrState ?? 'none',
    ...(txn.qrChannel ? { channel: txn.qrChannel as QrChannelName } : {}),
    ...(txn.qrAmountFen !== undefined ? { amountFen: txn.qrAmountFen } : {}),
    ...(txn.qrTradeNo ? { channelTradeNo: txn.qrTradeNo } : {}),
    ...(txn.qrPaidAt ? { paidAt: txn.qrPaidAt } : {}),
    ...(txn.qrReason ? { reason: txn.qrReason } : {}),
  };
}

/** Everything a cashier needs to settle a transaction by hand: the money, its references, why. */
export function pendingView(txn: LedgerTxn): PendingView {
  const refs: PendingView['refs'] = {};
  const keep = (name: string, value: string | number | number[] | undefined) => {
    if (value !== undefined) refs[name] = value;
  };
  keep('hisTradeNo', txn.txnId);
  keep('rrn', txn.rrn);
  keep('trace', txn.trace);
  keep('batch', txn.batch);
  keep('tid', txn.tid);
  keep('mid', txn.mid);
  keep('settleDate', txn.settleDate);
  keep('channel', txn.qrChannel);
  keep('channelTradeNo', txn.qrTradeNo);
  keep('outTradeNo', txn.qrChannel ? txn.txnId : undefined);
  keep('qrRefundNo', txn.qrRefundNo);
  keep('cashInsertedFen', txn.cashInsertedFen);
  keep('cashChangeFen', txn.cashChangeFen);
  keep('cashNotes', txn.cashNotes ? (JSON.parse(txn.cashNotes) as number[]) : undefined);
  keep('insMsgid', txn.insMsgid);
  keep('insSetlId', txn.insSetlId);
  keep('insMdtrtId', txn.insMdtrtId);
  return {
    txnId: txn.txnId,
    ...(txn.op ? { op: txn.op } : {}),
    ...(txn.method ? { method: txn.method } : {}),
    ...(txn.amountFen !== undefined ? { amountFen: txn.amountFen } : {}),
    ...(txn.reason ? { reason: txn.reason } : {}),
    refs,
  };
}

export function publicView(ledger: Ledger, txn: LedgerTxn): TxnQueryResult {
  const refunds = ledger.refunds(txn.kid, txn.txnId).map((r) => r.instruction);
  return {
    state: publicStates[txn.state],
    ...(txn.compensate ? { compensate: txn.compensate } : {}),
    ...(txn.hisReceiptNo ? { hisReceiptNo: txn.hisReceiptNo } : {}),
    ...(refunds.length ? { refunds } : {}),
    ...(txn.qrState ? { qr: qrView(txn) } : {}),
    ...(txn.state === 'PENDING' ? { pending: pendingView(txn) } : {}),
  };
}
