import type { DischargePreSettleResult, DischargeSettleResult } from '../../../contract/rpc.ts';
import type { DischargeContext } from '../../../machines/discharge.ts';
import type { ScreenView } from '../../../screens/view.ts';
import { view } from '../views.ts';
import { stay } from './deposit.ts';

/** Discharge's screens: a stay with something due, one with a surplus split over three refunds. */
const figures = { admissionNo: 'ZY2025000101', totalFen: 612_850, fundFen: 404_101, acctFen: 12_345, selfFen: 196_404, depositFen: 500_000, expiresAt: '' };
const due: DischargePreSettleResult = { preSettleId: 'DS00000001', ...figures, depositFen: 183_554, dueFen: 12_850, refundFen: 0 };
const surplus: DischargePreSettleResult = { preSettleId: 'DS00000002', ...figures, dueFen: 0, refundFen: 303_596 };
const settled: DischargeSettleResult = { ...figures, paidFen: 0, refundFen: 303_596, refunds: [], hisReceiptNo: 'CY20250301000001', invoiceNo: 'FP20250301000001', settledAt: '' };

const flow = (extra: Partial<DischargeContext> = {}): DischargeContext => ({
  patientId: 'P0009', nameMasked: '孙*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card'], cashChange: false,
  admission: { ...stay, dischargeOrdered: true }, ...extra,
});

export const dischargeCases: Array<[string, ScreenView]> = [
  ['discharge.loading', view('discharge.loading')],
  ['discharge.none', view('discharge.none', { secondsLeft: 45, flowContext: flow({ admission: undefined }) })],
  [
    'discharge.notEligible',
    view('discharge.notEligible', {
      secondsLeft: 45,
      flowContext: flow({ check: { admissionNo: 'ZY2025000101', eligible: false, reasons: [{ code: 'NO_DISCHARGE_ORDER', message: '医生尚未开具出院医嘱' }, { code: 'ARREARS_REVIEW', message: '费用正在审核中, 请稍后再试' }] } }),
    }),
  ],
  ['discharge.split due', view('discharge.split', { secondsLeft: 45, flowContext: flow({ preSettle: due }) })],
  ['discharge.split surplus', view('discharge.split', { secondsLeft: 45, flowContext: flow({ preSettle: surplus }) })],
  ['discharge.split money off', view('discharge.split', { secondsLeft: 45, serviceAvailable: false, moneyBlocks: ['central'], flowContext: flow({ preSettle: surplus }) })],
  ['discharge.settling', view('discharge.settling')],
  [
    'discharge.done refunded',
    view('discharge.done', {
      secondsLeft: 45,
      flowContext: flow({
        preSettle: surplus,
        settled,
        refunds: [
          { method: 'card', amountFen: 100_000, how: 'card' },
          { method: 'qr', amountFen: 50_000, how: 'channel' },
          { method: 'cash', amountFen: 100_000, how: 'voucher' },
          { method: 'card', amountFen: 53_596, how: 'pending' },
        ],
      }),
    }),
  ],
  [
    'discharge.done many refunds',
    view('discharge.done', {
      secondsLeft: 45,
      flowContext: flow({ preSettle: surplus, settled, refunds: Array.from({ length: 6 }, (_, i) => ({ method: 'card', amountFen: 50_000 + i, how: 'card' as const })) }),
    }),
  ],
  ['discharge.done paid', view('discharge.done', { secondsLeft: 45, flowContext: flow({ preSettle: due, end: 'paid', settled: { ...settled, paidFen: 12_850, refundFen: 0 } }) })],
  ['discharge.done even', view('discharge.done', { secondsLeft: 45, flowContext: flow({ preSettle: { ...surplus, refundFen: 0 }, settled: { ...settled, refundFen: 0 }, refunds: [] }) })],
  ['discharge.pending', view('discharge.pending', { secondsLeft: 45, problem: 'central could not confirm the outcome in time', flowContext: flow({ end: 'pending' }) })],
  ['discharge.problem', view('discharge.problem', { secondsLeft: 45, problem: 'the bill changed since the pre-settle; pre-settle again', flowContext: flow() })],
];
