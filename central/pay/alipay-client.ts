import type http from 'node:http';
import { formatYuan } from '../../contract/money.ts';
import { alipayTime, isoFromAlipayTime, responseNode, rsa2Sign, rsa2Verify, signContent, signedNodeText } from './alipay-wire.ts';
import { post, TransportError } from './http.ts';
import {
  assertOrder,
  assertRefund,
  assertTradeNo,
  ChannelError,
  type ChannelErrorCode,
  type PayAnswer,
  type QrChannel,
  type QrOrder,
  type RefundRequest,
  type RefundStatus,
  type ReverseAnswer,
  type TradeStatus,
} from './port.ts';
import { yuanFromWire } from './yuan.ts';

/**
 * Alipay face-to-face payment (当面付, bar_code scene) as a `QrChannel`: alipay.trade.pay,
 * .query, .cancel, .refund and alipay.trade.fastpay.refund.query, signed RSA2 with the
 * application's private key; every answer is verified with Alipay's public key before it is
 * believed. Amounts travel as yuan strings and become fen here, by their digits.
 */

export interface AlipayConfig {
  /** https://openapi.alipay.com/gateway.do in production; the simulator's `/gateway.do` in tests. */
  url: string;
  appId: string;
  /** PKCS#8 PEM of the application's private key. */
  appPrivateKey: string;
  /** PEM of Alipay's public key (the "支付宝公钥" of the application). */
  alipayPublicKey: string;
  timeoutMs?: number;
  agent?: http.Agent;
}

type Body = Record<string, unknown>;

/** 40004 sub-codes that mean the same everywhere → ours. Unlisted ones prove nothing (unknown). */
const subCodes: Record<string, ChannelErrorCode> = {
  'ACQ.PAYMENT_AUTH_CODE_INVALID': 'AUTH_CODE_INVALID',
  'ACQ.BUYER_BALANCE_NOT_ENOUGH': 'INSUFFICIENT_BALANCE',
  'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH': 'INSUFFICIENT_BALANCE',
  'ACQ.TRADE_HAS_CLOSE': 'ORDER_CLOSED',
  'ACQ.CONTEXT_INCONSISTENT': 'OUT_TRADE_NO_USED',
  'ACQ.TRADE_BUYER_NOT_MATCH': 'PAYMENT_REFUSED',
  'ACQ.BUYER_SELLER_EQUAL': 'PAYMENT_REFUSED',
  'ACQ.PAYMENT_FAIL': 'PAYMENT_REFUSED',
  'ACQ.PAYMENT_REQUEST_HAS_RISK': 'PAYMENT_REFUSED',
  'ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR': 'PAYMENT_REFUSED',
  'ACQ.ERROR_BALANCE_PAYMENT_DISABLE': 'PAYMENT_REFUSED',
  'ACQ.PULL_MOBILE_CASHIER_FAIL': 'PAYMENT_REFUSED',
  'ACQ.TRADE_CANCEL_TIME_OUT': 'REVERSE_REFUSED',
  'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL': 'REFUND_REFUSED',
  'ACQ.SELLER_BALANCE_NOT_ENOUGH': 'REFUND_REFUSED',
  'ACQ.INVALID_PARAMETER': 'INVALID_REQUEST',
  'ACQ.SYSTEM_ERROR': 'SYSTEM_ERROR',
};

export class AlipayClient implements QrChannel {
  readonly channel = 'alipay';

  constructor(private readonly config: AlipayConfig) {}

  async pay(order: QrOrder): Promise<PayAnswer> {
    assertOrder(order, 'alipay');
    const r = await this.call('alipay.trade.pay', {
      out_trade_no: order.outTradeNo,
      scene: 'bar_code',
      auth_code: order.authCode,
      subject: order.description,
      total_amount: formatYuan(order.amountFen),
    });
    if (r.code === '10000') {
      if (r.out_trade_no !== order.outTradeNo || this.fen(r.total_amount, 'total_amount') !== order.amountFen || typeof r.trade_no !== 'string') {
        throw new ChannelError('BAD_RESPONSE', 'Alipay confirmed a payment that does not match the order', { outTradeNo: r.out_trade_no });
      }
      return { status: 'paid', outTradeNo: order.outTradeNo, channelTradeNo: r.trade_no, amountFen: order.amountFen, paidAt: this.time(r.gmt_payment) };
    }
    if (r.code === '10003') return { status: 'userPaying', outTradeNo: order.outTradeNo };
    if (r.sub_code === 'ACQ.TRADE_HAS_SUCCESS') {
      const status = await this.query({ outTradeNo: order.outTradeNo });
      if (status.state === 'paid' && status.amountFen === order.amountFen && status.channelTradeNo && status.paidAt) {
        return { status: 'paid', outTradeNo: order.outTradeNo, channelTradeNo: status.channelTradeNo, amountFen: order.amountFen, paidAt: status.paidAt };
      }
      throw new ChannelError('OUT_TRADE_NO_USED', 'Alipay says this order number is paid, but not for this order', { channelCode: 'ACQ.TRADE_HAS_SUCCESS', state: status.state });
    }
    throw this.refusal(r);
  }

  async query(query: { outTradeNo: string }): Promise<TradeStatus> {
    assertTradeNo(query.outTradeNo, 'outTradeNo');
    const r = await this.call('alipay.trade.query', { out_trade_no: query.outTradeNo });
    if (r.sub_code === 'ACQ.TRADE_NOT_EXIST') return { state: 'notFound', outTradeNo: query.outTradeNo };
    if (r.code !== '10000') throw this.refusal(r);
    const paid = r.trade_status === 'TRADE_SUCCESS' || r.trade_status === 'TRADE_FINISHED';
    const state = paid ? 'paid' : r.trade_status === 'WAIT_BUYER_PAY' ? 'userPaying' : r.trade_status === 'TRADE_CLOSED' ? 'closed' : undefined;
    if (!state || r.out_trade_no !== query.outTradeNo) throw new ChannelError('BAD_RESPONSE', `Alipay answered a query with trade_status ${String(r.trade_status)}`, { channelCode: String(r.trade_status) });
    return {
      state,
      outTradeNo: query.outTradeNo,
      ...(typeof r.trade_no === 'string' ? { channelTradeNo: r.trade_no } : {}),
      ...(r.total_amount !== undefined ? { amountFen: this.fen(r.total_amount, 'total_amount') } : {}),
      ...(paid ? { paidAt: this.time(r.send_pay_date ?? r.gmt_payment) } : {}),
    };
  }

  async reverse(query: { outTradeNo: string }): Promise<ReverseAnswer> {
    assertTradeNo(query.outTradeNo, 'outTradeNo');
    const r = await this.call('alipay.trade.cancel', { out_trade_no: query.outTradeNo });
    if (r.code === '10000') {
      const action = r.action === 'refund' ? 'refunded' : r.action === 'close' ? 'closed' : undefined;
      return { outTradeNo: query.outTradeNo, ...(action ? { action } : {}) };
    }
    if (r.sub_code === 'ACQ.TRADE_STATUS_ERROR') throw this.error(r.retry_flag === 'Y' ? 'TRY_LATER' : 'REVERSE_REFUSED', r);
    throw this.refusal(r);
  }

  async refund(request: RefundRequest): Promise<RefundStatus> {
    assertRefund(request);
    const r = await this.call('alipay.trade.refund', {
      out_trade_no: request.outTradeNo,
      out_request_no: request.outRefundNo,
      refund_amount: formatYuan(request.amountFen),
      ...(request.reason ? { refund_reason: request.reason } : {}),
    });
    if (r.code !== '10000') {
      if (r.sub_code === 'ACQ.TRADE_NOT_EXIST' || r.sub_code === 'ACQ.TRADE_STATUS_ERROR') throw this.error('REFUND_REFUSED', r);
      throw this.refusal(r);
    }
    if (r.out_trade_no !== request.outTradeNo) throw new ChannelError('BAD_RESPONSE', 'Alipay answered a refund for another order');
    // Alipay refunds synchronously: a 10000 answer means the money is on its way back to the payer.
    return { state: 'success', outTradeNo: request.outTradeNo, outRefundNo: request.outRefundNo, amountFen: request.amountFen };
  }

  async queryRefund(query: { outTradeNo: string; outRefundNo: string }): Promise<RefundStatus> {
    assertTradeNo(query.outTradeNo, 'outTradeNo');
    assertTradeNo(query.outRefundNo, 'outRefundNo');
    const r = await this.call('alipay.trade.fastpay.refund.query', { out_trade_no: query.outTradeNo, out_request_no: query.outRefundNo });
    const base = { outTradeNo: query.outTradeNo, outRefundNo: query.outRefundNo };
    if (r.sub_code === 'ACQ.TRADE_NOT_EXIST') return { state: 'notFound', ...base };
    if (r.code !== '10000') throw this.refusal(r);
    // Alipay's documented rule: no refund_amount in the answer means no such refund succeeded.
    if (r.refund_amount === undefined) return { state: 'notFound', ...base };
    const state = r.refund_status === undefined || r.refund_status === 'REFUND_SUCCESS' ? 'success' : 'processing';
    return { state, ...base, amountFen: this.fen(r.refund_amount, 'refund_amount') };
  }

  /** One signed request; returns the verified response object, whatever its code. */
  private async call(method: string, biz: Body): Promise<Body> {
    const params: Record<string, string> = {
      app_id: this.config.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: alipayTime(Date.now()),
      version: '1.0',
      biz_content: JSON.stringify(biz),
    };
    const form = new URLSearchParams({ ...params, sign: rsa2Sign(signContent(params), this.config.appPrivateKey) }).toString();
    let raw: string;
    try {
      const answer = await post(this.config.url, form, { timeoutMs: this.config.timeoutMs ?? 10_000, contentType: 'application/x-www-form-urlencoded;charset=utf-8', agent: this.config.agent });
      if (answer.status !== 200) throw new ChannelError('UNAVAILABLE', `Alipay answered HTTP ${answer.status}`, { status: answer.status });
      raw = answer.body;
    } catch (e) {
      if (e instanceof TransportError) throw new ChannelError(e.failure, `Alipay ${method}: ${e.message}`, {}, { cause: e });
      throw e;
    }
    const nodeText = signedNodeText(raw, responseNode(method)) ?? signedNodeText(raw, 'error_response');
    let sign: unknown;
    try {
      sign = (JSON.parse(raw) as { sign?: unknown }).sign;
    } catch (e) {
      throw new ChannelError('BAD_RESPONSE', `Alipay ${method} answered something that is not JSON`, {}, { cause: e });
    }
    if (nodeText === undefined || typeof sign !== 'string' || !rsa2Verify(nodeText, sign, this.config.alipayPublicKey)) {
      throw new ChannelError('BAD_RESPONSE', `Alipay ${method}: the answer's signature does not verify`);
    }
    return JSON.parse(nodeText) as Body;
  }

  private refusal(r: Body): ChannelError {
    const code: ChannelErrorCode =
      r.code === '40004'
        ? (subCodes[String(r.sub_code)] ?? 'SYSTEM_ERROR')
        : r.code === '40002' && r.sub_code === 'isv.invalid-signature'
          ? 'SIGNATURE_REJECTED'
          : r.code === '40001' || r.code === '40002'
            ? 'INVALID_REQUEST'
            : r.code === '20001' || r.code === '40006'
              ? 'REJECTED'
              : 'SYSTEM_ERROR';
    // retry_flag=Y on a refusal is "not now": call again later.
    if (r.retry_flag === 'Y' && code !== 'SYSTEM_ERROR') return this.error('TRY_LATER', r);
    return this.error(code, r);
  }

  private error(code: ChannelErrorCode, r: Body): ChannelError {
    const channelCode = String(r.sub_code ?? r.code);
    const channelMessage = String(r.sub_msg ?? r.msg ?? '');
    return new ChannelError(code, `Alipay: ${channelCode} ${channelMessage}`.trim(), { channelCode, channelMessage });
  }

  private fen(value: unknown, field: string): number {
    try {
      return yuanFromWire(value);
    } catch (e) {
      throw new ChannelError('BAD_RESPONSE', `Alipay sent ${field}=${String(value)}, not an amount of yuan`, { field }, { cause: e });
    }
  }

  private time(value: unknown): string {
    try {
      return isoFromAlipayTime(String(value));
    } catch (e) {
      throw new ChannelError('BAD_RESPONSE', `Alipay sent a time that is not yyyy-MM-dd HH:mm:ss: ${String(value)}`, {}, { cause: e });
    }
  }
}
