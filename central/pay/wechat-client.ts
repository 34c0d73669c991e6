import type http from 'node:http';
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
  type TradeState,
  type TradeStatus,
} from './port.ts';
import { fromXml, hasValidSign, isoFromWechatTime, nonce, toXml, withSign, type WechatFields, type WechatSignType } from './wechat-wire.ts';

/**
 * WeChat Pay code payment, API v2 (付款码支付: micropay, orderquery, reverse, refund,
 * refundquery), as a `QrChannel`. Requests and answers are signed with the merchant API key; an
 * answer whose signature does not verify is not believed (BAD_RESPONSE, unknown).
 */

export interface WechatPayConfig {
  /** https://api.mch.weixin.qq.com in production; the simulator's URL in tests. */
  url: string;
  appid: string;
  mchId: string;
  apiKey: string;
  signType?: WechatSignType;
  timeoutMs?: number;
  /** Reverse and refund (`/secapi/`) need the merchant API certificate: an https.Agent with cert and key. */
  agent?: http.Agent;
  /** The terminal's IP, which micropay requires (spbill_create_ip). */
  terminalIp?: string;
}

/** micropay, orderquery, reverse and refund error codes → ours. Anything unlisted proves nothing (unknown). */
const errorCodes: Record<string, ChannelErrorCode> = {
  AUTHCODEEXPIRE: 'AUTH_CODE_EXPIRED',
  AUTH_CODE_INVALID: 'AUTH_CODE_INVALID',
  AUTH_CODE_ERROR: 'AUTH_CODE_INVALID',
  NOTENOUGH: 'INSUFFICIENT_BALANCE',
  NOTSUPORTCARD: 'PAYMENT_REFUSED',
  BUYER_MISMATCH: 'PAYMENT_REFUSED',
  NOAUTH: 'PAYMENT_REFUSED',
  TRADE_ERROR: 'PAYMENT_REFUSED',
  ORDERCLOSED: 'ORDER_CLOSED',
  ORDERREVERSED: 'ORDER_CLOSED',
  OUT_TRADE_NO_USED: 'OUT_TRADE_NO_USED',
  REVERSE_EXPIRE: 'REVERSE_REFUSED',
  SIGNERROR: 'SIGNATURE_REJECTED',
  PARAM_ERROR: 'INVALID_REQUEST',
  LACK_PARAMS: 'INVALID_REQUEST',
  XML_FORMAT_ERROR: 'INVALID_REQUEST',
  NOT_UTF8: 'INVALID_REQUEST',
  REQUIRE_POST_METHOD: 'INVALID_REQUEST',
  INVALID_REQUEST: 'INVALID_REQUEST',
  APPID_NOT_EXIST: 'REJECTED',
  MCHID_NOT_EXIST: 'REJECTED',
  APPID_MCHID_NOT_MATCH: 'REJECTED',
  SYSTEMERROR: 'SYSTEM_ERROR',
  BANKERROR: 'SYSTEM_ERROR',
};

const tradeStates: Record<string, TradeState> = {
  SUCCESS: 'paid',
  USERPAYING: 'userPaying',
  NOTPAY: 'notPaid',
  CLOSED: 'closed',
  REVOKED: 'closed',
  REFUND: 'refunded',
  PAYERROR: 'failed',
};

export class WechatPayClient implements QrChannel {
  readonly channel = 'wechat';
  private readonly signType: WechatSignType;

  constructor(private readonly config: WechatPayConfig) {
    this.signType = config.signType ?? 'HMAC-SHA256';
  }

  async pay(order: QrOrder): Promise<PayAnswer> {
    assertOrder(order, 'wechat');
    const f = await this.call('/pay/micropay', {
      body: order.description,
      out_trade_no: order.outTradeNo,
      total_fee: String(order.amountFen),
      spbill_create_ip: this.config.terminalIp ?? '127.0.0.1',
      auth_code: order.authCode,
    });
    if (f.result_code === 'SUCCESS') return this.paidTrade(f, order);
    if (f.err_code === 'USERPAYING') return { status: 'userPaying', outTradeNo: order.outTradeNo };
    // Paid already under this number (by an earlier scan): the order's own state decides.
    if (f.err_code === 'ORDERPAID') {
      const status = await this.query({ outTradeNo: order.outTradeNo });
      if (status.state === 'paid' && status.amountFen === order.amountFen && status.channelTradeNo && status.paidAt) {
        return { status: 'paid', outTradeNo: order.outTradeNo, channelTradeNo: status.channelTradeNo, amountFen: order.amountFen, paidAt: status.paidAt };
      }
      throw new ChannelError('OUT_TRADE_NO_USED', 'WeChat says this order number is paid, but not for this order', { channelCode: 'ORDERPAID', state: status.state });
    }
    throw this.refusal(f);
  }

  async query(query: { outTradeNo: string }): Promise<TradeStatus> {
    assertTradeNo(query.outTradeNo, 'outTradeNo');
    const f = await this.call('/pay/orderquery', { out_trade_no: query.outTradeNo });
    if (f.result_code !== 'SUCCESS') {
      if (f.err_code === 'ORDERNOTEXIST') return { state: 'notFound', outTradeNo: query.outTradeNo };
      throw this.refusal(f);
    }
    const state = tradeStates[f.trade_state ?? ''];
    if (!state || f.out_trade_no !== query.outTradeNo) throw new ChannelError('BAD_RESPONSE', `WeChat answered an order query with trade_state ${f.trade_state}`, { channelCode: f.trade_state });
    return {
      state,
      outTradeNo: query.outTradeNo,
      ...(f.transaction_id ? { channelTradeNo: f.transaction_id } : {}),
      ...(f.total_fee ? { amountFen: this.fen(f.total_fee, 'total_fee') } : {}),
      ...(f.time_end && f.transaction_id ? { paidAt: this.time(f.time_end) } : {}),
    };
  }

  async reverse(query: { outTradeNo: string }): Promise<ReverseAnswer> {
    assertTradeNo(query.outTradeNo, 'outTradeNo');
    const f = await this.call('/secapi/pay/reverse', { out_trade_no: query.outTradeNo });
    if (f.result_code === 'SUCCESS') return { outTradeNo: query.outTradeNo };
    if (f.err_code === 'TRADE_ERROR' && f.recall !== 'Y') throw this.error('REVERSE_REFUSED', f);
    throw this.refusal(f);
  }

  async refund(request: RefundRequest): Promise<RefundStatus> {
    assertRefund(request);
    const f = await this.call('/secapi/pay/refund', {
      out_trade_no: request.outTradeNo,
      out_refund_no: request.outRefundNo,
      total_fee: String(request.totalFen),
      refund_fee: String(request.amountFen),
      refund_desc: request.reason ?? '',
    });
    if (f.result_code !== 'SUCCESS') {
      // The refund API's catch-all "ERROR" is a business refusal (amount over the refundable, order state).
      if (f.err_code === 'ERROR' || f.err_code === 'ORDERNOTEXIST' || f.err_code === 'TRADE_OVERDUE') throw this.error('REFUND_REFUSED', f);
      throw this.refusal(f);
    }
    if (f.out_refund_no !== request.outRefundNo) throw new ChannelError('BAD_RESPONSE', 'WeChat answered a refund for another refund number');
    // A refund the channel accepted is being processed; refundquery says when the money is back.
    return { state: 'processing', outTradeNo: request.outTradeNo, outRefundNo: request.outRefundNo, amountFen: this.fen(f.refund_fee, 'refund_fee'), ...(f.refund_id ? { channelRefundNo: f.refund_id } : {}) };
  }

  async queryRefund(query: { outTradeNo: string; outRefundNo: string }): Promise<RefundStatus> {
    assertTradeNo(query.outTradeNo, 'outTradeNo');
    assertTradeNo(query.outRefundNo, 'outRefundNo');
    const f = await this.call('/pay/refundquery', { out_trade_no: query.outTradeNo, out_refund_no: query.outRefundNo });
    const base = { outTradeNo: query.outTradeNo, outRefundNo: query.outRefundNo };
    if (f.result_code !== 'SUCCESS') {
      if (f.err_code === 'REFUNDNOTEXIST') return { state: 'notFound', ...base };
      throw this.refusal(f);
    }
    const count = Number(f.refund_count ?? '0');
    const n = Array.from({ length: count }, (_, i) => i).find((i) => f[`out_refund_no_${i}`] === query.outRefundNo);
    if (n === undefined) return { state: 'notFound', ...base };
    const status = f[`refund_status_${n}`];
    const state = status === 'SUCCESS' ? 'success' : status === 'PROCESSING' ? 'processing' : status === 'REFUNDCLOSE' ? 'closed' : undefined;
    // CHANGE means the refund reached a card that no longer takes it: the money is with WeChat, not the payer.
    if (!state) throw new ChannelError('REJECTED', `WeChat reports refund status ${status}`, { channelCode: status });
    return { state, ...base, amountFen: this.fen(f[`refund_fee_${n}`], `refund_fee_${n}`), ...(f[`refund_id_${n}`] ? { channelRefundNo: f[`refund_id_${n}`] } : {}) };
  }

  private paidTrade(f: WechatFields, order: QrOrder): PayAnswer {
    if (f.out_trade_no !== order.outTradeNo || this.fen(f.total_fee, 'total_fee') !== order.amountFen || !f.transaction_id || !f.time_end) {
      throw new ChannelError('BAD_RESPONSE', 'WeChat confirmed a payment that does not match the order', { outTradeNo: f.out_trade_no, totalFee: f.total_fee });
    }
    return { status: 'paid', outTradeNo: order.outTradeNo, channelTradeNo: f.transaction_id, amountFen: order.amountFen, paidAt: this.time(f.time_end) };
  }

  /** One signed request; returns the verified answer once `return_code` is SUCCESS. */
  private async call(pathname: string, fields: WechatFields): Promise<WechatFields> {
    const request = withSign({ appid: this.config.appid, mch_id: this.config.mchId, nonce_str: nonce(), sign_type: this.signType, ...fields }, this.config.apiKey, this.signType);
    let text: string;
    try {
      const answer = await post(new URL(pathname, this.config.url).href, toXml(request), { timeoutMs: this.config.timeoutMs ?? 10_000, contentType: 'text/xml; charset=utf-8', agent: this.config.agent });
      if (answer.status !== 200) throw new ChannelError('UNAVAILABLE', `WeChat Pay answered HTTP ${answer.status}`, { status: answer.status });
      text = answer.body;
    } catch (e) {
      if (e instanceof TransportError) throw new ChannelError(e.failure, `WeChat Pay ${pathname}: ${e.message}`, {}, { cause: e });
      throw e;
    }
    let f: WechatFields;
    try {
      f = fromXml(text);
    } catch (e) {
      throw new ChannelError('BAD_RESPONSE', `WeChat Pay ${pathname} answered something that is not its XML`, {}, { cause: e });
    }
    // return_code FAIL is the gateway refusing to read the request (format, signature): nothing was done.
    if (f.return_code === 'FAIL') {
      const code: ChannelErrorCode = /签名|sign/i.test(f.return_msg ?? '') ? 'SIGNATURE_REJECTED' : 'REJECTED';
      throw new ChannelError(code, `WeChat Pay refused the request: ${f.return_msg}`, { channelCode: 'FAIL', channelMessage: f.return_msg });
    }
    if (f.return_code !== 'SUCCESS' || !hasValidSign(f, this.config.apiKey, this.signType)) {
      throw new ChannelError('BAD_RESPONSE', `WeChat Pay ${pathname}: the answer's signature does not verify`);
    }
    if (f.appid !== this.config.appid || f.mch_id !== this.config.mchId) throw new ChannelError('BAD_RESPONSE', `WeChat Pay ${pathname}: the answer is for another merchant`);
    return f;
  }

  private refusal(f: WechatFields): ChannelError {
    const code = errorCodes[f.err_code ?? ''] ?? 'SYSTEM_ERROR';
    // A reverse answered with recall=Y is "not now": a refusal that asks to be called again.
    if (f.recall === 'Y' && code !== 'SYSTEM_ERROR') return this.error('TRY_LATER', f);
    return this.error(code, f);
  }

  private error(code: ChannelErrorCode, f: WechatFields): ChannelError {
    return new ChannelError(code, `WeChat Pay: ${f.err_code} ${f.err_code_des ?? ''}`.trim(), { channelCode: f.err_code, channelMessage: f.err_code_des });
  }

  private fen(value: string | undefined, field: string): number {
    if (value === undefined || !/^\d{1,12}$/.test(value)) throw new ChannelError('BAD_RESPONSE', `WeChat Pay sent ${field}=${value}, not a whole number of fen`, { field });
    return Number(value);
  }

  private time(value: string): string {
    try {
      return isoFromWechatTime(value);
    } catch (e) {
      throw new ChannelError('BAD_RESPONSE', `WeChat Pay sent a time that is not yyyyMMddHHmmss: ${value}`, {}, { cause: e });
    }
  }
}
