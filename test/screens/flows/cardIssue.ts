import type { CardIssueContext } from '../../../machines/cardIssue.ts';
import type { ScreenView } from '../../../screens/view.ts';
import { view } from '../views.ts';

/** 建档发卡's screens with a long name (a four-character surname and given name) and a part-typed number. */
const flow = (extra: Partial<CardIssueContext> = {}): CardIssueContext => ({
  idNumber: '330106199001011234',
  timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 },
  methods: ['card'],
  cashChange: false,
  phone: '',
  person: { name: '欧阳娜娜丽莎', sex: 'female', birthDate: '1990-01-01', idNumber: '330106199001011234', nation: '汉', address: '浙江省杭州市上城区示范路1号' },
  ...extra,
});

const issued = { cardNo: '2000100001', txnId: '01JTXN00000000000000000001', patientId: 'P0015', hisReceiptNo: 'JK20250301000123' };

export const cardIssueCases: Array<[string, ScreenView]> = [
  ['patient.unknown', view('patient.unknown', { secondsLeft: 45, credType: 'idCard', nameMasked: undefined })],
  ['patient.noRecord', view('patient.noRecord', { secondsLeft: 45, credType: 'idCard', nameMasked: undefined })],
  ['cardIssue.placeId', view('cardIssue.placeId', { secondsLeft: 45, flowContext: flow({ person: undefined }) })],
  ['cardIssue.confirm', view('cardIssue.confirm', { secondsLeft: 45, flowContext: flow() })],
  ['cardIssue.phone empty', view('cardIssue.phone', { secondsLeft: 45, flowContext: flow() })],
  ['cardIssue.phone typed', view('cardIssue.phone', { secondsLeft: 45, flowContext: flow({ phone: '1391234' }) })],
  ...(['dispensing', 'creating', 'presenting', 'printing', 'keeping', 'releasing'] as const).map((step): [string, ScreenView] => [
    `cardIssue.wait ${step}`,
    view('cardIssue.wait', { voice: `cardIssue.${step}`, flowContext: flow({ phone: '13912345678', cardNo: issued.cardNo, txnId: issued.txnId }) }),
  ]),
  ['cardIssue.done', view('cardIssue.done', { secondsLeft: 45, flowContext: flow({ phone: '13912345678', ...issued }) })],
  ['cardIssue.counter made', view('cardIssue.counter', { secondsLeft: 45, flowContext: flow({ ...issued, kept: true }) })],
  ['cardIssue.counter unconfirmed', view('cardIssue.counter', { secondsLeft: 45, flowContext: flow({ ...issued, patientId: undefined, kept: true }) })],
  ['cardIssue.failed', view('cardIssue.failed', { secondsLeft: 45, problem: 'no cards left in the card dispenser', flowContext: flow() })],
];
