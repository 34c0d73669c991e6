import { ulid } from 'ulid';
import { isDeviceError } from '../../../drivers/core/device-error.ts';
import { PaymentModule, type CardPaymentResult, type PaymentModuleOptions } from '../../../drivers/pos/index.ts';
import { exitCodes, UsageError } from '../../exit.ts';
import type { ActionResult, DeviceKind } from './action.ts';

/**
 * Codes that say the module or the bank's line is at fault rather than the card or cardholder
 * (docs/pos-framing.md §3): busy, a failed part, unsupported, the bank not answering.
 */
const moduleFaults = new Set(['XB', 'XF', '40', '98']);

/** A technician asking status or the last transaction of a module that is not there hears so in seconds, not a kiosk's quarter minute. */
const lineTimeouts: PaymentModuleOptions = { queryTimeoutMs: 2000 };

function positiveFen(value: unknown, flag: string): number {
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${flag} FEN is required: a positive whole number of fen (got ${String(value ?? 'nothing')})`);
  }
  return Number(value);
}

function required(value: unknown, flag: string, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new UsageError(`${flag} is required: ${what} (got ${String(value ?? 'nothing')})`);
  return value;
}

/** What a technician reads off one transaction; the card number is the module's masked one. */
function shown(r: CardPaymentResult, result: string): Record<string, unknown> {
  return {
    result,
    transType: r.transType,
    amountFen: r.amountFen,
    panMasked: r.panMasked,
    rrn: r.rrn,
    trace: r.trace,
    batch: r.batch,
    authCode: r.authCode,
    respCode: r.respCode,
    respInfo: r.respInfo,
    orderId: r.orderId,
    settleDate: r.settleDate,
  };
}

/** Approved exits 0; the cardholder's or the bank's no exits 3; the module's own failure exits 4. */
function judged(r: CardPaymentResult): ActionResult {
  if (r.approved) return { result: shown(r, 'approved') };
  if (r.respCode === 'XC') return { result: shown(r, 'cancelled'), exitCode: exitCodes.userSide, reason: `CANCELLED: ${r.respInfo} (XC)` };
  if (moduleFaults.has(r.respCode)) {
    return { result: shown(r, 'failed'), exitCode: exitCodes.device, reason: `DEVICE_REPORTED: ${r.respCode} ${r.respInfo}` };
  }
  return { result: shown(r, 'declined'), exitCode: exitCodes.userSide, reason: `DECLINED: ${r.respCode} ${r.respInfo}` };
}

async function withModule<T>(port: string, options: PaymentModuleOptions, use: (unit: PaymentModule) => Promise<T>): Promise<T> {
  const unit = await PaymentModule.open(port, { ...lineTimeouts, ...options });
  try {
    return await use(unit);
  } finally {
    await unit.close();
  }
}

/**
 * A money command that got no answer may have moved money: say so, never "failed". The module
 * itself reverses a sale whose result it cannot deliver, which is what happens once we hang up.
 */
function unknownOutcome(e: unknown, fields: Record<string, unknown>): ActionResult | undefined {
  if (!isDeviceError(e) || e.detail.outcome !== 'unknown') return undefined;
  return {
    result: { result: 'unknown', ...fields, error: e.code, message: e.message },
    exitCode: exitCodes.device,
    reason: `${e.code}: ${e.message}; outcome unknown: see \`zizhu device pos last\` (a result the module cannot deliver, it reverses)`,
  };
}

export const pos: DeviceKind = {
  sale: {
    usage: '--port PATH --amount FEN',
    summary: 'take a card payment; the module reads the card and takes the PIN',
    options: { amount: { type: 'string' } },
    waits: true,
    defaultTimeoutS: 120,
    run: async ({ port, values, signal, timeoutMs }) => {
      const amountFen = positiveFen(values.amount, '--amount');
      const orderId = ulid();
      return withModule(port, { saleTimeoutMs: timeoutMs }, async (unit) => {
        try {
          return judged(await unit.sale({ amountFen, orderId }, { signal }));
        } catch (e) {
          const unknown = unknownOutcome(e, { amountFen, orderId });
          if (unknown) return unknown;
          throw e;
        }
      });
    },
  },
  void: {
    usage: '--port PATH --trace N',
    summary: 'void (撤销) a sale of the open batch by its trace number, whole',
    options: { trace: { type: 'string' } },
    run: async ({ port, values, signal }) => {
      const trace = required(values.trace, '--trace N', /^\d{1,6}$/, 'the sale\'s trace (凭证号), up to 6 digits').padStart(6, '0');
      return withModule(port, {}, async (unit) => {
        try {
          return judged(await unit.void({ trace }, { signal }));
        } catch (e) {
          const unknown = unknownOutcome(e, { trace });
          if (unknown) return unknown;
          throw e;
        }
      });
    },
  },
  refund: {
    usage: '--port PATH --rrn R --amount FEN [--date YYYYMMDD]',
    summary: 'refund (退货) all or part of a sale of a settled batch, by its reference number',
    options: { rrn: { type: 'string' }, amount: { type: 'string' }, date: { type: 'string' } },
    run: async ({ port, values, signal }) => {
      const rrn = required(values.rrn, '--rrn R', /^[0-9A-Za-z]{1,12}$/, "the sale's reference number (参考号)");
      const amountFen = positiveFen(values.amount, '--amount');
      const settleDate = values.date === undefined ? undefined : required(values.date, '--date', /^\d{4}-?\d{2}-?\d{2}$/, 'the sale\'s settlement date YYYYMMDD');
      const orderId = ulid();
      return withModule(port, {}, async (unit) => {
        try {
          return judged(await unit.refund({ rrn, settleDate, amountFen, orderId }, { signal }));
        } catch (e) {
          const unknown = unknownOutcome(e, { rrn, amountFen, orderId });
          if (unknown) return unknown;
          throw e;
        }
      });
    },
  },
  last: {
    usage: '--port PATH',
    summary: "the module's last transaction (after an unknown outcome: what really happened)",
    run: ({ port, signal }) =>
      withModule(port, {}, async (unit) => {
        const last = await unit.queryLast({ signal });
        return { result: last ? shown(last, last.approved ? 'approved' : 'declined') : { result: 'none' } };
      }),
  },
  status: {
    usage: '--port PATH',
    summary: "the module's state: idle, or where a sale is (card, PIN, bank); a failed part",
    run: ({ port, signal }) =>
      withModule(port, {}, async (unit) => {
        const status = await unit.status({ signal });
        if (status.status === 'online' || status.status === 'busy') return { result: { ...status } };
        const why = status.status === 'offline' ? 'the module does not answer' : `${String(status.respCode)} ${String(status.respInfo)}`;
        return { result: { ...status }, exitCode: exitCodes.device, reason: `${status.status}: ${why}` };
      }),
  },
};
