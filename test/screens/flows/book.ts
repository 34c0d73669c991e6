import type { AppointmentView } from '../../../contract/rpc.ts';
import type { BookContext } from '../../../machines/book.ts';
import type { ScreenView } from '../../../screens/view.ts';
import { view } from '../views.ts';
import { schedule } from './register.ts';

/** Booking ahead: two weeks of days over three pages, the slip printed or not, an outcome not confirmed. */
const days = Array.from({ length: 14 }, (_, i) => `2025-03-${String(i + 4).padStart(2, '0')}`);
const twoWeeks = (() => {
  const all = days.map((d) => schedule(d));
  return { ...all[0]!, slots: all.flatMap((s) => s.slots) };
})();

const appointment: AppointmentView = {
  appointmentNo: 'YY0000000031', patientId: 'P0001', slotId: 'E001-20250305-AM', deptId: 'D7', deptName: '心血管内科门诊(特需专家诊室)', doctorId: 'E001',
  doctorName: '欧阳晓梅', doctorTitle: '主任医师', date: '2025-03-05', period: 'morning', visitTime: '09:20', seeNo: 5,
  location: '门诊楼2层A区心血管内科候诊区(近3号电梯)', feeFen: 5000, paid: false, state: 'booked',
};

const flow = (extra: Partial<BookContext> = {}): BookContext => ({
  patientId: 'P0001', nameMasked: '张*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card'], cashChange: false,
  schedule: twoWeeks, pickDay: true, page: 0, ...extra,
});

const txnId = '01JTXN00000000000000000001';

export const bookCases: Array<[string, ScreenView]> = [
  ['book.date first of three pages', view('book.date', { secondsLeft: 45, flowContext: flow() })],
  ['book.date last page', view('book.date', { secondsLeft: 45, flowContext: flow({ page: 2 }) })],
  ['schedule.dept of a booking day', view('schedule.dept', { secondsLeft: 45, flowContext: flow({ date: '2025-03-05' }) })],
  ['book.none', view('book.none', { secondsLeft: 45, flowContext: flow() })],
  ['book.confirm', view('book.confirm', { secondsLeft: 45, flowContext: flow({ date: '2025-03-05', deptId: 'D1', doctorId: 'E001', slotId: 'E001-20250305-AM' }) })],
  ['book.printing', view('book.printing', { flowContext: flow() })],
  ['book.done', view('book.done', { secondsLeft: 45, flowContext: flow({ outcome: { state: 'booked', txnId, appointment }, slipPrinted: true }) })],
  ['book.done, no slip', view('book.done', { secondsLeft: 45, flowContext: flow({ outcome: { state: 'booked', txnId, appointment }, slipPrinted: false }) })],
  ['book.unknown', view('book.unknown', { secondsLeft: 45, flowContext: flow({ outcome: { state: 'unknown', txnId, reason: 'no answer from central' } }) })],
  ['book.refused', view('book.refused', { secondsLeft: 45, problem: 'the patient already has a number of this doctor that day', flowContext: flow() })],
];
