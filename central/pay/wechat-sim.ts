import crypto from 'node:crypto';
import type { WechatCredentials } from './credentials.ts';
import { authCodePatterns } from './port.ts';
import type { PayApi, PaySimLedger, SimTrade } from './sim-ledger.ts';
import { playFault, silence, type SimAnswer, type SimRequest } from './sim-server.ts';
import { fromXml, hasValidSign, nonce, toXml, wechatTime, withSign, type WechatFields, type WechatSignType } from './wechat-wire.ts';

/**
 * The WeChat Pay v2 code-payment gateway as a simulator: the five endpoints the kiosk needs,
 * their XML, their signatures (checked on the way in, made on the way out) and their error codes
 * (pay.weixin.qq.com/wiki/doc/api/micropay.php?chapter=9_10, 9_2, 9_11, 9_4, 9_5).
 */

const endpoints: Record<string, PayApi> = {
  '/pay/micropay': 'pay',
  '/pay/orderquery': 'query',
  '/secapi/pay/reverse': 'reverse',
  '/secapi/pay/refund': 'refund',
  '/pay/refundquery': 'refundQuery',
};

const required: Record<PayApi, string[]> = {
  pay: ['body', 'out_trade_no', 'total_fee', 'spbill_create_ip', 'auth_code'],
  query: ['out_trade_no'],
  reverse: ['out_trade_no'],
  refund: ['out_trade_no', 'out_refund_no', 'total_fee', 'refund_fee'],
  refundQuery: ['out_refund_no'],
};

type Result = { result_code: 'SUCCESS' } & WechatFields;
type Failure = { result_code: 'FAIL'; err_code: string; err_code_des: string } & WechatFields;

const fail = (err_code: string, err_code_des: string, extra: WechatFields = {}): Failure => ({ result_code: 'FAIL', err_code, err_code_des, ...extra });

function xmlAnswer(fields: WechatFields): SimAnswer {
  return { status: 200, contentType: 'text/xml; charset=utf-8', body: toXml(fields) };
}

/** Unsigned, as WeChat answers when it could not even read or trust the request. */
function communicationFailure(message: string): SimAnswer {
  return xmlAnswer({ return_code: 'FAIL', return_msg: message });
}

/** WeChat's fictional payer id for a code: stable, so one patient's payments look like one person's. */
function openid(authCode: string): string {
  return `o${crypto.createHash('sha256').update(authCode).digest('base64url').slice(0, 27)}`;
}

function tradeFields(trade: SimTrade): WechatFields {
  return {
    openid: openid(trade.authCode ?? ''),
    is_subscribe: 'N',
    trade_type: 'MICROPAY',
    bank_type: 'OTHERS',
    fee_type: 'CNY',
    total_fee: String(trade.amountFen),
    cash_fee_type: 'CNY',
    cash_fee: String(trade.amountFen),
    transaction_id: trade.channelTradeNo,
    out_trade_no: trade.outTradeNo,
    time_end: wechatTime(trade.paidAt ?? trade.createdAt),
  };
}

function tradeState(trade: SimTrade): [string, string] {
  if (trade.state === 'REVOKED') return ['REVOKED', '已撤销'];
  if (trade.state === 'USERPAYING') return ['USERPAYING', '需要用户输入支付密码'];
  return trade.refundedFen > 0 ? ['REFUND', '转入退款'] : ['SUCCESS', '支付成功'];
}

export function wechatGateway(ledger: PaySimLedger, credentials: WechatCredentials) {
  function pay(f: WechatFields): Result | Failure {
    if (!/^[1-9]\d{0,9}$/.test(f.total_fee!)) return fail('PARAM_ERROR', 'total_fee 必须为正整数（分）');
    if (!authCodePatterns.wechat.test(f.auth_code!)) return fail('AUTH_CODE_ERROR', '授权码参数错误');
    const paid = ledger.pay({ outTradeNo: f.out_trade_no!, authCode: f.auth_code!, amountFen: Number(f.total_fee), description: f.body! });
    switch (paid.outcome) {
      case 'paid':
        return { result_code: 'SUCCESS', ...tradeFields(paid.trade) };
      case 'userPaying':
        return fail('USERPAYING', '需要用户输入支付密码');
      case 'alreadyPaid':
        return fail('ORDERPAID', '订单已支付');
      case 'closed':
        return fail('ORDERREVERSED', '订单已撤销');
      case 'conflict':
        return fail('OUT_TRADE_NO_USED', '商户订单号重复');
      case 'refused':
        return {
          expired: fail('AUTHCODEEXPIRE', '二维码已过期，请用户在微信上刷新后再试'),
          invalid: fail('AUTH_CODE_INVALID', '授权码检验错误'),
          codeUsed: fail('AUTH_CODE_INVALID', '每个二维码仅限使用一次，请刷新再试'),
          insufficient: fail('NOTENOUGH', '用户余额不足'),
        }[paid.reason];
    }
  }

  function process(api: PayApi, f: WechatFields): Result | Failure {
    const missing = required[api].find((k) => !f[k]);
    if (missing) return fail('LACK_PARAMS', `缺少参数 ${missing}`);
    switch (api) {
      case 'pay':
        return pay(f);
      case 'query': {
        const trade = ledger.trade(f.out_trade_no!);
        if (!trade) return fail('ORDERNOTEXIST', '此交易订单号不存在');
        const [state, desc] = tradeState(trade);
        const paidFields = trade.paidAt !== null ? tradeFields(trade) : { out_trade_no: trade.outTradeNo };
        return { result_code: 'SUCCESS', trade_state: state, trade_state_desc: desc, ...paidFields };
      }
      case 'reverse': {
        const reversed = ledger.reverse(f.out_trade_no!);
        if (reversed.outcome === 'reversed') return { result_code: 'SUCCESS', recall: 'N' };
        return {
          tooEarly: fail('TRADE_ERROR', '下单后15秒内不能撤销，请稍后再试', { recall: 'Y' }),
          tooOld: fail('REVERSE_EXPIRE', '订单已过撤销期，请使用退款', { recall: 'N' }),
          refunded: fail('TRADE_ERROR', '订单已发生退款，不能撤销', { recall: 'N' }),
        }[reversed.reason];
      }
      case 'refund': {
        if (!/^[1-9]\d{0,9}$/.test(f.refund_fee!) || !/^[1-9]\d{0,9}$/.test(f.total_fee!)) return fail('PARAM_ERROR', 'total_fee 与 refund_fee 必须为正整数（分）');
        const refunded = ledger.refund({ outTradeNo: f.out_trade_no!, outRefundNo: f.out_refund_no!, amountFen: Number(f.refund_fee), totalFen: Number(f.total_fee) });
        if (refunded.outcome === 'refunded') {
          const { refund, trade } = refunded;
          return {
            result_code: 'SUCCESS',
            transaction_id: trade.channelTradeNo,
            out_trade_no: trade.outTradeNo,
            out_refund_no: refund.outRefundNo,
            refund_id: refund.channelRefundNo,
            refund_fee: String(refund.amountFen),
            total_fee: String(trade.amountFen),
            cash_fee: String(trade.amountFen),
            cash_refund_fee: String(refund.amountFen),
          };
        }
        return {
          notFound: fail('ORDERNOTEXIST', '订单不存在'),
          notPaid: fail('ERROR', '订单状态不允许退款'),
          exceeds: fail('ERROR', '申请退款金额超过订单可退金额'),
          totalMismatch: fail('PARAM_ERROR', '订单金额与原订单不符'),
          numberUsed: fail('ERROR', '退款单号已用于其他退款'),
        }[refunded.reason];
      }
      case 'refundQuery': {
        const refund = ledger.refundRecord(f.out_refund_no!);
        if (!refund || (f.out_trade_no && refund.outTradeNo !== f.out_trade_no)) return fail('REFUNDNOTEXIST', '退款订单查询失败');
        const trade = ledger.trade(refund.outTradeNo)!;
        return {
          result_code: 'SUCCESS',
          transaction_id: trade.channelTradeNo,
          out_trade_no: trade.outTradeNo,
          total_fee: String(trade.amountFen),
          cash_fee: String(trade.amountFen),
          refund_count: '1',
          out_refund_no_0: refund.outRefundNo,
          refund_id_0: refund.channelRefundNo,
          refund_fee_0: String(refund.amountFen),
          refund_status_0: 'SUCCESS',
          refund_success_time_0: wechatTime(refund.createdAt).replace(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/, '$1-$2-$3 $4:$5:$6'),
        };
      }
    }
  }

  /** The real endpoints; undefined for any other path. */
  return async (request: SimRequest): Promise<SimAnswer | typeof silence | undefined> => {
    const api = endpoints[request.path];
    if (!api) return undefined;
    if (request.method !== 'POST') return communicationFailure('请使用post方法');
    let fields: WechatFields;
    try {
      fields = fromXml(request.body);
    } catch {
      return communicationFailure('XML格式错误');
    }
    const signType: WechatSignType = fields.sign_type === 'HMAC-SHA256' ? 'HMAC-SHA256' : 'MD5';
    if (fields.sign_type !== undefined && fields.sign_type !== 'MD5' && fields.sign_type !== 'HMAC-SHA256') return communicationFailure('sign_type 不支持');
    if (fields.appid !== credentials.appid || fields.mch_id !== credentials.mchId) return communicationFailure('appid 与 mch_id 不匹配');
    if (!hasValidSign(fields, credentials.apiKey, signType)) {
      ledger.logCall(api, fields.out_trade_no ?? null, 'SIGNERROR');
      return communicationFailure('签名错误');
    }
    const answer = (result: Result | Failure): SimAnswer => {
      ledger.logCall(api, fields.out_trade_no ?? null, result.result_code === 'SUCCESS' ? 'SUCCESS' : result.err_code);
      const base = { return_code: 'SUCCESS', return_msg: 'OK', appid: credentials.appid, mch_id: credentials.mchId, nonce_str: nonce() };
      return xmlAnswer(withSign({ ...base, ...result }, credentials.apiKey, signType));
    };
    return playFault(
      ledger.faults.take(api),
      () => answer(process(api, fields)),
      () => answer(fail('SYSTEMERROR', '系统超时', api === 'reverse' ? { recall: 'Y' } : {})),
    );
  };
}
