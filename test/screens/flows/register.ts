import type { RegisterResult, ScheduleResult } from '../../../contract/rpc.ts';
import type { RegisterContext } from '../../../machines/register.ts';
import type { ScreenView } from '../../../screens/view.ts';
import { view } from '../views.ts';

/**
 * Registration today and the shared picking screens: more departments than a page holds, long
 * HIS names, a department with more doctors than leave room for their lines.
 */
export const today = '2025-03-03';

const names = ['内科', '外科', '儿科', '妇产科', '眼科', '口腔科', '心血管内科门诊(特需专家诊室)', '耳鼻咽喉科'];
const departments = names.map((name, i) => ({ deptId: `D${i + 1}`, name, location: `门诊楼${i + 1}层A区` }));
const doctors = [
  { doctorId: 'E001', deptId: 'D1', name: '周建国', title: '主任医师', feeFen: 5000 },
  { doctorId: 'E002', deptId: 'D1', name: '欧阳晓梅', title: '主治医师', feeFen: 2500 },
  ...['郑海涛', '冯立', '何晴', '许文博', '沈丽华'].map((name, i) => ({ doctorId: `E1${i}`, deptId: 'D7', name, title: '副主任医师', feeFen: 4000 })),
];
const slot = (doctorId: string, deptId: string, period: 'morning' | 'afternoon', remaining: number, feeFen: number, date = today) => ({
  slotId: `${doctorId}-${date.replaceAll('-', '')}-${period === 'morning' ? 'AM' : 'PM'}`, doctorId, deptId, date, period,
  startTime: period === 'morning' ? '08:00' : '13:30', endTime: period === 'morning' ? '12:00' : '17:00', feeFen, capacity: 20, remaining,
});

export function schedule(date = today): ScheduleResult {
  return {
    departments,
    doctors,
    slots: [
      slot('E001', 'D1', 'morning', 3, 5000, date),
      slot('E002', 'D1', 'morning', 18, 2500, date),
      slot('E002', 'D1', 'afternoon', 20, 2500, date),
      ...doctors.slice(2).map((d) => slot(d.doctorId, 'D7', 'afternoon', 12, 4000, date)),
      ...departments.slice(1).filter((d) => d.deptId !== 'D7').map((d, i) => ({ ...slot(`E2${i}`, d.deptId, 'morning', 5, 1500, date) })),
    ],
  };
}

const registration: RegisterResult = {
  appointment: {
    appointmentNo: 'YY0000000012', patientId: 'P0001', slotId: 'E001-20250303-AM', deptId: 'D1', deptName: '心血管内科门诊(特需专家诊室)', doctorId: 'E001',
    doctorName: '周建国', doctorTitle: '主任医师', date: today, period: 'morning', visitTime: '08:40', seeNo: 12,
    location: '门诊楼2层A区心血管内科候诊区(近3号电梯)', feeFen: 5000, paid: true, state: 'checkedIn',
  },
  hisReceiptNo: 'GH2025030300012',
  settledAt: '2025-03-03T08:05:00+08:00',
};

export const flow = (extra: Partial<RegisterContext> = {}): RegisterContext => ({
  patientId: 'P0001', nameMasked: '张*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card'], cashChange: false,
  schedule: schedule(), date: today, page: 0, ...extra,
});

export const registerCases: Array<[string, ScreenView]> = [
  ['wait.schedule', view('wait.schedule')],
  ['schedule.problem', view('schedule.problem', { secondsLeft: 45, problem: 'central is not reachable', flowContext: flow() })],
  ['schedule.dept first of two pages', view('schedule.dept', { secondsLeft: 45, flowContext: flow() })],
  ['schedule.dept last page', view('schedule.dept', { secondsLeft: 45, flowContext: flow({ page: 1 }) })],
  ['schedule.doctor two', view('schedule.doctor', { secondsLeft: 45, flowContext: flow({ deptId: 'D1' }) })],
  ['schedule.doctor five, long department', view('schedule.doctor', { secondsLeft: 45, flowContext: flow({ deptId: 'D7' }) })],
  ['schedule.slot', view('schedule.slot', { secondsLeft: 45, flowContext: flow({ deptId: 'D1', doctorId: 'E002' }) })],
  ['register.unavailable', view('register.unavailable', { secondsLeft: 45, flowContext: flow({ methods: [] }) })],
  ['register.none', view('register.none', { secondsLeft: 45, flowContext: flow() })],
  ['register.confirm', view('register.confirm', { secondsLeft: 45, flowContext: flow({ deptId: 'D1', doctorId: 'E001', slotId: 'E001-20250303-AM' }) })],
  ['register.lockFailed', view('register.lockFailed', { secondsLeft: 45, problem: 'no number left in this session', flowContext: flow() })],
  ['register.notRegistered', view('register.notRegistered', { secondsLeft: 45, flowContext: flow() })],
  ['register.done', view('register.done', { secondsLeft: 45, flowContext: flow({ registration }) })],
  ['register.done settled by query', view('register.done', { secondsLeft: 45, flowContext: flow() })],
];
