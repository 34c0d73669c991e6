import type { InpatientInfoResult } from '../../../contract/rpc.ts';
import type { DepositContext } from '../../../machines/deposit.ts';
import type { ScreenView } from '../../../screens/view.ts';
import { view } from '../views.ts';

/** Inpatient deposit's screens with a long ward name and a stay that owes more than it paid. */
export const stay: InpatientInfoResult = {
  admissionNo: 'ZY2025000101', patientId: 'P0009', deptName: '心血管内科', ward: '心血管内科一病区(特需)', bed: '12', admittedAt: '2025-03-01T10:20:00+08:00',
  state: 'inHospital', dischargeOrdered: false, insured: true, depositFen: 500_000, costFen: 612_850, balanceFen: -112_850, deposits: [],
};

const flow = (extra: Partial<DepositContext> = {}): DepositContext => ({
  patientId: 'P0009', nameMasked: '孙*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card'], cashChange: false,
  typed: '', admission: stay, ...extra,
});

export const depositCases: Array<[string, ScreenView]> = [
  ['deposit.loading', view('deposit.loading')],
  ['deposit.none', view('deposit.none', { secondsLeft: 45, flowContext: flow({ admission: undefined }) })],
  ['deposit.stay', view('deposit.stay', { secondsLeft: 45, flowContext: flow() })],
  ['deposit.stay money off', view('deposit.stay', { secondsLeft: 45, serviceAvailable: false, moneyBlocks: ['printerPaper'], flowContext: flow() })],
  ['deposit.amount', view('deposit.amount', { secondsLeft: 45, flowContext: flow() })],
  ['deposit.keypad', view('deposit.keypad', { secondsLeft: 45, flowContext: flow({ typed: '12850' }) })],
  ['deposit.keypad empty', view('deposit.keypad', { secondsLeft: 45, flowContext: flow() })],
  ['deposit.confirm', view('deposit.confirm', { secondsLeft: 45, flowContext: flow({ amountFen: 12_850 }) })],
  [
    'deposit.paid',
    view('deposit.paid', {
      secondsLeft: 45,
      flowContext: flow({ amountFen: 12_850, hisReceiptNo: 'YJ20250301000123', result: { depositNo: 'YJ20250301000123', amountFen: 12_850, depositFen: 512_850, balanceFen: -100_000, hisReceiptNo: 'YJ20250301000123', settledAt: '' } }),
    }),
  ],
  ['deposit.problem', view('deposit.problem', { secondsLeft: 45, problem: 'central is not reachable', flowContext: flow() })],
];
