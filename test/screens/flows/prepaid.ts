import type { PrepaidContext } from '../../../machines/prepaid.ts';
import type { ScreenView } from '../../../screens/view.ts';
import { view } from '../views.ts';

/** The prepaid account's screens: a legacy balance with recharge off, recharge on, and every way a refund ends. */
const flow = (extra: Partial<PrepaidContext> = {}): PrepaidContext => ({
  patientId: 'P0011', nameMasked: '吴*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card', 'cash'], cashChange: false,
  typed: '', account: { balanceFen: 23_650, rechargeOffered: true }, ...extra,
});

export const prepaidCases: Array<[string, ScreenView]> = [
  ['prepaid.loading', view('prepaid.loading')],
  ['prepaid.notOffered', view('prepaid.notOffered', { secondsLeft: 45, flowContext: flow({ account: undefined }) })],
  ['prepaid.problem', view('prepaid.problem', { secondsLeft: 45, problem: 'central is not reachable', flowContext: flow({ account: undefined }) })],
  ['prepaid.account', view('prepaid.account', { secondsLeft: 45, flowContext: flow() })],
  ['prepaid.account legacy balance', view('prepaid.account', { secondsLeft: 45, flowContext: flow({ account: { balanceFen: 23_650, rechargeOffered: false } }) })],
  ['prepaid.account no way to pay', view('prepaid.account', { secondsLeft: 45, flowContext: flow({ methods: [], account: { balanceFen: 0, rechargeOffered: true } }) })],
  ['prepaid.amount', view('prepaid.amount', { secondsLeft: 45, flowContext: flow() })],
  ['prepaid.keypad', view('prepaid.keypad', { secondsLeft: 45, flowContext: flow({ typed: '4999' }) })],
  ['prepaid.keypad empty', view('prepaid.keypad', { secondsLeft: 45, flowContext: flow() })],
  ['prepaid.recharged', view('prepaid.recharged', { secondsLeft: 45, flowContext: flow({ amountFen: 100_000, newBalanceFen: 123_650, end: 'paid' }) })],
  ['prepaid.refundConfirm', view('prepaid.refundConfirm', { secondsLeft: 45, flowContext: flow() })],
  ['prepaid.refunding', view('prepaid.refunding', { flowContext: flow() })],
  [
    'prepaid.refunded card and counter',
    view('prepaid.refunded', {
      secondsLeft: 45,
      flowContext: flow({ refund: { state: 'done', given: [{ method: 'card', amountFen: 20_000, how: 'card' }, { method: 'account', amountFen: 3_650, how: 'voucher' }] } }),
    }),
  ],
  ['prepaid.refunded by app or pending', view('prepaid.refunded', { secondsLeft: 45, flowContext: flow({ refund: { state: 'done', given: [{ method: 'qr', amountFen: 20_000, how: 'channel' }, { method: 'card', amountFen: 3_650, how: 'pending' }] } }) })],
  ['prepaid.refunded refused', view('prepaid.refunded', { secondsLeft: 45, flowContext: flow({ refund: { state: 'refused', reason: 'the amount is not the balance' } }) })],
  ['prepaid.refunded pending', view('prepaid.refunded', { secondsLeft: 45, flowContext: flow({ refund: { state: 'pending', reason: 'central could not confirm the outcome in time' } }) })],
];
