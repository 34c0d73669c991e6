import type { PriceItem } from '../../../contract/rpc.ts';
import type { InquiryContext, WeekDepartment } from '../../../machines/inquiry.ts';
import type { ScreenView } from '../../../screens/view.ts';
import { view } from '../views.ts';

/** Inquiry screens with long names, a doctor working every session of the week, and lists of several pages. */
const price = (n: number): PriceItem => ({
  itemCode: `YP0000${n}`, name: n % 2 ? '阿莫西林克拉维酸钾片' : '注射用头孢曲松钠', spec: '0.375g×12片', unit: '盒', priceFen: 3260 + n, category: 'drug', insuranceClass: n % 3 === 0 ? '丙' : '乙', initials: 'AMXLKLWSJP',
});
const everyDay = Array.from({ length: 7 }, (_, d) => [
  { date: `2025-06-0${d + 2}`, period: 'morning' as const, remaining: 12 },
  { date: `2025-06-0${d + 2}`, period: 'afternoon' as const, remaining: 0 },
]).flat();
const week: WeekDepartment[] = Array.from({ length: 10 }, (_, n) => ({
  deptId: `D${n}`, name: n % 2 ? '耳鼻咽喉科' : '心血管内科门诊', location: '门诊楼4层C区(北侧电梯旁)',
  doctors: Array.from({ length: n === 0 ? 2 : 5 }, (_, i) => ({ doctorId: `E${n}${i}`, name: i % 2 ? '欧阳明明' : '何晴', title: '副主任医师', feeFen: 4000, sessions: i === 1 ? [] : everyDay })),
}));
const intro = {
  doctorId: 'E00', name: '何晴', title: '主任医师', deptId: 'D0', deptName: '儿科', specialty: '小儿呼吸、小儿哮喘、反复呼吸道感染、儿童过敏性疾病的诊治与长期管理',
  profile: '儿科主任医师, 从事儿科临床工作二十五年, 擅长小儿哮喘、反复呼吸道感染的诊治, 省医学会儿科分会委员, 主持省级课题三项, 发表论文二十余篇.',
};
const paid = (n: number) => ({
  billNo: `MZ0000900${n}`, amountFen: 1_234_567, department: '心血管内科门诊(特需)', doctor: '周建国', createdAt: '', items: [], paidAt: `2025-06-0${n}T09:40:00+08:00`,
  hisReceiptNo: `SF2025060${n}900001`, method: n % 2 ? ('cash' as const) : ('insurance' as const),
});

const flow = (extra: Partial<InquiryContext> = {}): InquiryContext => ({
  patientId: 'P0001', nameMasked: '张*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: [], cashChange: false,
  initials: '', prices: [], priceTotal: 0, priceFetched: 0, page: 0, ...extra,
});

export const inquiryCases: Array<[string, ScreenView]> = [
  ['inquiry.menu', view('inquiry.menu', { secondsLeft: 45, flowContext: flow() })],
  ['inquiry.wait', view('inquiry.wait')],
  ['inquiry.prices', view('inquiry.prices', { secondsLeft: 45, flowContext: flow({ initials: 'AMXLKLWSJPXY' }) })],
  ['inquiry.prices letter group', view('inquiry.prices', { secondsLeft: 45, flowContext: flow({ initials: 'AM', group: 4 }) })],
  ['inquiry.prices.none', view('inquiry.prices.none', { secondsLeft: 45, flowContext: flow({ initials: 'QQQQQQQQQQQQ' }) })],
  ['inquiry.prices.results', view('inquiry.prices.results', { secondsLeft: 45, flowContext: flow({ initials: 'AMXL', prices: Array.from({ length: 20 }, (_, n) => price(n)), priceTotal: 25, priceFetched: 1, page: 2 }) })],
  ['inquiry.schedule.none', view('inquiry.schedule.none', { secondsLeft: 45, flowContext: flow() })],
  ['inquiry.departments', view('inquiry.departments', { secondsLeft: 45, flowContext: flow({ departments: week, page: 1 }) })],
  ['inquiry.doctors few', view('inquiry.doctors', { secondsLeft: 45, flowContext: flow({ departments: week, deptIndex: 0 }) })],
  ['inquiry.doctors many', view('inquiry.doctors', { secondsLeft: 45, flowContext: flow({ departments: week, deptIndex: 1 }) })],
  ['inquiry.doctor', view('inquiry.doctor', { secondsLeft: 45, flowContext: flow({ departments: week, deptIndex: 0, doctorIndex: 0, intro }) })],
  ['inquiry.doctor without intro', view('inquiry.doctor', { secondsLeft: 45, flowContext: flow({ departments: week, deptIndex: 0, doctorIndex: 1 }) })],
  ['inquiry.history', view('inquiry.history', { secondsLeft: 45, flowContext: flow({ history: { from: '2025-03-05', to: '2025-06-02', bills: [1, 2, 3, 4, 5, 6, 7].map(paid), totalFen: 8_641_969 }, page: 1 }) })],
  ['inquiry.history none', view('inquiry.history', { secondsLeft: 45, flowContext: flow({ history: { from: '2025-03-05', to: '2025-06-02', bills: [], totalFen: 0 } }) })],
  ['inquiry.problem', view('inquiry.problem', { secondsLeft: 45, problem: 'HIS 接口超时', flowContext: flow() })],
];
