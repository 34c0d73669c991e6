import type { InpatientCostItem, PaidBill } from '../../../contract/rpc.ts';
import type { BillListContext } from '../../../machines/billList.ts';
import type { ScreenView } from '../../../screens/view.ts';
import { view } from '../views.ts';

/** Bill-list screens with long department and item names, a stay of many lines, and both ends of a print. */
const paid = (n: number): PaidBill => ({
  billNo: `MZ0000900${n}`, amountFen: 15_460 + n, department: '心血管内科门诊(特需专家诊室)', doctor: '欧阳明明', createdAt: '2025-06-02T10:05:00+08:00',
  items: [], paidAt: `2025-06-0${n}T10:31:00+08:00`, hisReceiptNo: `SF2025060${n}900002`, method: n % 2 ? 'qr' : 'insurance',
});
const line = (n: number): InpatientCostItem => ({ date: '2025-05-28', category: '西药费', name: n % 2 ? '乙酰半胱氨酸泡腾片 0.6g×4片' : '床位费（普通病房）', qty: 12, unit: '小时', priceFen: 4319, amountFen: 51_828 });

const flow = (extra: Partial<BillListContext> = {}): BillListContext => ({
  patientId: 'P0001', nameMasked: '张*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: [], cashChange: false,
  page: 0, stay: { admissionNo: 'ZY2025000101', deptName: '内科', admittedAt: '2025-05-27T10:20:00+08:00' }, ...extra,
});

const outpatient = { kind: 'outpatient' as const, from: '2025-05-04', to: '2025-06-02', bills: [1, 2, 3, 4, 5, 6, 7, 8].map(paid), totalFen: 123_716 };
const inpatient = {
  kind: 'inpatient' as const, admissionNo: 'ZY2025000101', deptName: '内科', ward: '内科一病区', bed: '12', admittedAt: '2025-05-27T10:20:00+08:00', state: 'inHospital' as const,
  items: Array.from({ length: 77 }, (_, n) => line(n)), byDay: [{ date: '2025-05-28', amountFen: 350_163 }], byCategory: [{ category: '西药费', amountFen: 350_163 }], totalFen: 350_163,
};

export const billListCases: Array<[string, ScreenView]> = [
  ['billList.wait', view('billList.wait')],
  ['billList.choose with a stay', view('billList.choose', { secondsLeft: 45, flowContext: flow() })],
  ['billList.choose without a stay', view('billList.choose', { secondsLeft: 45, flowContext: flow({ stay: null }) })],
  ['billList.empty', view('billList.empty', { secondsLeft: 45, flowContext: flow() })],
  ['billList.list outpatient', view('billList.list', { secondsLeft: 45, flowContext: flow({ listing: outpatient }) })],
  ['billList.list outpatient last page', view('billList.list', { secondsLeft: 45, flowContext: flow({ listing: outpatient, page: 1 }) })],
  ['billList.list inpatient', view('billList.list', { secondsLeft: 45, flowContext: flow({ listing: inpatient, page: 5 }) })],
  ['billList.printing', view('billList.printing')],
  ['billList.printed', view('billList.printed', { secondsLeft: 45, flowContext: flow({ listing: outpatient, printed: true }) })],
  ['billList.printed not', view('billList.printed', { secondsLeft: 45, problem: 'PAPER_OUT', flowContext: flow({ listing: outpatient, printed: false }) })],
  ['billList.problem', view('billList.problem', { secondsLeft: 45, problem: 'central is not reachable', flowContext: flow() })],
];
