import crypto from 'node:crypto';
import { formatYuan } from '../../contract/money.ts';
import { alipayTime, rsa2Verify, responseNode, signContent, signedResponse, type AlipayParams } from './alipay-wire.ts';
import type { AlipayCredentials } from './credentials.ts';
import { authCodePatterns } from './port.ts';
import type { PayApi, PaySimLedger, SimTrade } from './sim-ledger.ts';
import { playFault, silence, type SimAnswer, type SimRequest } from './sim-server.ts';
import { parseYuan } from './yuan.ts';

/**
 * The Alipay open-platform gateway (`/gateway.do`) as a simulator for face-to-face payment:
 * `alipay.trade.pay` (scene bar_code), `.query`, `.cancel`, `.refund` and
 * `alipay.trade.fastpay.refund.query`, with RSA2 signatures checked on the way in and made on
 * the way out, and the public result codes (10000 success, 10003 waiting for the payer, 20000
 * unavailable, 40002 invalid arguments, 40004 business failure with an `ACQ.*` sub-code).
 */

const methods: Record<string, PayApi> = {
  'alipay.trade.pay': 'pay',
  'alipay.trade.query': 'query',
  'alipay.trade.cancel': 'reverse',
  'alipay.trade.refund': 'refund',
  'alipay.trade.fastpay.refund.query': 'refundQuery',
};

type Body = Record<string, unknown>;

const success = (fields: Body): Body => ({ code: '10000', msg: 'Success', ...fields });
const business = (subCode: string, subMsg: string, extra: Body = {}): Body => ({ code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg, ...extra });
const invalidParameter = (subMsg: string): Body => business('ACQ.INVALID_PARAMETER', subMsg);

/** The payer as Alipay shows them to a merchant: a masked login and a stable user id. */
function buyer(authCode: string): Body {
  const digest = crypto.createHash('sha256').update(authCode).digest();
  return {
    buyer_logon_id: `13${digest[0]! % 10}****${String(digest.readUInt16BE(1) % 10_000).padStart(4, '0')}`,
    buyer_user_id: `2088${String(digest.readUIntBE(3, 6) % 1e12).padStart(12, '0')}`,
  };
}

function tradeStatus(trade: SimTrade): string {
  if (trade.state === 'USERPAYING') return 'WAIT_BUYER_PAY';
  if (trade.state === 'REVOKED' || trade.refundedFen >= trade.amountFen) return 'TRADE_CLOSED';
  return 'TRADE_SUCCESS';
}

function paidFields(trade: SimTrade): Body {
  const amount = formatYuan(trade.amountFen);
  return {
    trade_no: trade.channelTradeNo,
    out_trade_no: trade.outTradeNo,
    ...buyer(trade.authCode ?? ''),
    total_amount: amount,
    receipt_amount: amount,
    buyer_pay_amount: amount,
    invoice_amount: amount,
    gmt_payment: alipayTime(trade.paidAt ?? trade.createdAt),
    fund_bill_list: [{ fund_channel: 'ALIPAYACCOUNT', amount }],
  };
}

function amountFen(text: unknown): number | undefined {
  try {
    const fen = typeof text === 'string' ? parseYuan(text) : NaN;
    return fen > 0 && fen <= 10_000_000_000 ? fen : undefined;
  } catch {
    return undefined;
  }
}

export function alipayGateway(ledger: PaySimLedger, credentials: AlipayCredentials) {
  function pay(biz: Body): Body {
    const fen = amountFen(biz.total_amount);
    if (typeof biz.out_trade_no !== 'string' || typeof biz.subject !== 'string' || fen === undefined) return invalidParameter('out_trade_no、subject、total_amount 必填且有效');
    if (biz.scene !== 'bar_code') return invalidParameter('当面付付款码支付的 scene 应为 bar_code');
    if (typeof biz.auth_code !== 'string' || !authCodePatterns.alipay.test(biz.auth_code)) return business('ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款');
    const paid = ledger.pay({ outTradeNo: biz.out_trade_no, authCode: biz.auth_code, amountFen: fen, description: biz.subject });
    switch (paid.outcome) {
      case 'paid':
        return success(paidFields(paid.trade));
      case 'userPaying':
        return { code: '10003', msg: 'Order success pay inprocess', trade_no: paid.trade.channelTradeNo, out_trade_no: paid.trade.outTradeNo, ...buyer(biz.auth_code), total_amount: formatYuan(fen) };
      case 'alreadyPaid':
        return business('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
      case 'closed':
        return business('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
      case 'conflict':
        return business('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
      case 'refused':
        return {
          expired: business('ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，付款码已过期，请顾客刷新付款码后重新收款'),
          invalid: business('ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款'),
          codeUsed: business('ACQ.PAYMENT_AUTH_CODE_INVALID', '付款码已使用，请顾客刷新付款码后重新收款'),
          insufficient: business('ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足'),
        }[paid.reason];
    }
  }

  function refund(biz: Body): Body {
    const fen = amountFen(biz.refund_amount);
    if (typeof biz.out_trade_no !== 'string' || typeof biz.out_request_no !== 'string' || fen === undefined) return invalidParameter('out_trade_no、out_request_no、refund_amount 必填且有效');
    const refunded = ledger.refund({ outTradeNo: biz.out_trade_no, outRefundNo: biz.out_request_no, amountFen: fen });
    if (refunded.outcome === 'refused') {
      return {
        notFound: business('ACQ.TRADE_NOT_EXIST', '交易不存在'),
        notPaid: business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'),
        exceeds: business('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限'),
        totalMismatch: invalidParameter('退款金额无效'),
        numberUsed: invalidParameter('退款请求号已用于其他金额'),
      }[refunded.reason];
    }
    const { trade, refund: record, replay } = refunded;
    return success({
      trade_no: trade.channelTradeNo,
      out_trade_no: trade.outTradeNo,
      ...buyer(trade.authCode ?? ''),
      fund_change: replay ? 'N' : 'Y',
      refund_fee: formatYuan(trade.refundedFen),
      gmt_refund_pay: alipayTime(record.createdAt),
    });
  }

  function process(api: PayApi, biz: Body): Body {
    switch (api) {
      case 'pay':
        return pay(biz);
      case 'query': {
        const trade = typeof biz.out_trade_no === 'string' ? ledger.trade(biz.out_trade_no) : undefined;
        if (!trade) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
        const fields = trade.paidAt !== null ? { ...paidFields(trade), send_pay_date: alipayTime(trade.paidAt) } : { trade_no: trade.channelTradeNo, out_trade_no: trade.outTradeNo, total_amount: formatYuan(trade.amountFen) };
        return success({ ...fields, trade_status: tradeStatus(trade) });
      }
      case 'reverse': {
        if (typeof biz.out_trade_no !== 'string') return invalidParameter('out_trade_no 必填');
        const reversed = ledger.reverse(biz.out_trade_no);
        if (reversed.outcome === 'reversed') {
          return success({ trade_no: reversed.trade.channelTradeNo, out_trade_no: biz.out_trade_no, retry_flag: 'N', action: reversed.action === 'refunded' ? 'refund' : 'close' });
        }
        return {
          tooEarly: business('ACQ.TRADE_STATUS_ERROR', '交易创建后15秒内不能撤销，请稍后重试', { retry_flag: 'Y' }),
          tooOld: business('ACQ.TRADE_CANCEL_TIME_OUT', '超过撤销时间范围，请使用退款', { retry_flag: 'N' }),
          refunded: business('ACQ.TRADE_STATUS_ERROR', '交易已发生退款，不能撤销', { retry_flag: 'N' }),
        }[reversed.reason];
      }
      case 'refund':
        return refund(biz);
      case 'refundQuery': {
        if (typeof biz.out_trade_no !== 'string' || typeof biz.out_request_no !== 'string') return invalidParameter('out_trade_no、out_request_no 必填');
        const trade = ledger.trade(biz.out_trade_no);
        if (!trade || trade.authCode === null) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
        const record = ledger.refundRecord(biz.out_request_no);
        // Alipay's rule: an answer without refund_amount means "no such refund succeeded".
        if (!record || record.outTradeNo !== trade.outTradeNo) return success({ trade_no: trade.channelTradeNo, out_trade_no: trade.outTradeNo, out_request_no: biz.out_request_no });
        return success({
          trade_no: trade.channelTradeNo,
          out_trade_no: trade.outTradeNo,
          out_request_no: record.outRefundNo,
          total_amount: formatYuan(trade.amountFen),
          refund_amount: formatYuan(record.amountFen),
          refund_status: 'REFUND_SUCCESS',
          gmt_refund_pay: alipayTime(record.createdAt),
        });
      }
    }
  }

  const answer = (node: string, body: Body): SimAnswer => ({
    status: 200,
    contentType: 'application/json; charset=utf-8',
    body: signedResponse(node, body, credentials.alipayPrivateKey),
  });

  /** The real gateway; undefined for any other path. */
  return async (request: SimRequest): Promise<SimAnswer | typeof silence | undefined> => {
    if (request.path !== '/gateway.do') return undefined;
    // The official SDKs put the common parameters in the query string and biz_content in the body.
    const params: AlipayParams = Object.fromEntries([...request.query, ...new URLSearchParams(request.body)]);
    const api = methods[params.method ?? ''];
    if (!api) return answer('error_response', { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-method', sub_msg: '不存在的方法名' });
    const node = responseNode(params.method!);
    const invalid = (subCode: string, subMsg: string) => answer(node, { code: '40002', msg: 'Invalid Arguments', sub_code: subCode, sub_msg: subMsg });
    if (params.app_id !== credentials.appId) return invalid('isv.invalid-app-id', '无效的AppID参数');
    if (params.sign_type !== 'RSA2') return invalid('isv.invalid-signature-type', '无效的签名类型');
    let biz: Body;
    try {
      biz = JSON.parse(params.biz_content ?? '') as Body;
    } catch {
      return invalid('isv.invalid-parameter', 'biz_content 不是合法的 JSON');
    }
    if (!rsa2Verify(signContent(params), params.sign ?? '', credentials.appPublicKey)) {
      ledger.logCall(api, typeof biz.out_trade_no === 'string' ? biz.out_trade_no : null, 'isv.invalid-signature');
      return invalid('isv.invalid-signature', '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配');
    }
    const outTradeNo = typeof biz.out_trade_no === 'string' ? biz.out_trade_no : null;
    const reply = (body: Body): SimAnswer => {
      ledger.logCall(api, outTradeNo, body.code === '10000' || body.code === '10003' ? String(body.code) : String(body.sub_code ?? body.code));
      return answer(node, body);
    };
    return playFault(
      ledger.faults.take(api),
      () => reply(process(api, biz)),
      () => reply({ code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: '系统繁忙', ...(api === 'reverse' ? { retry_flag: 'Y' } : {}) }),
    );
  };
}
