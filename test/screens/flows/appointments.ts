import type { AppointmentView } from '../../../contract/rpc.ts';
import type { AppointmentsContext } from '../../../machines/appointments.ts';
import type { ScreenView } from '../../../screens/view.ts';
import { view } from '../views.ts';

/** My appointments' screens with long HIS names, more appointments than a page holds, and every way a refund can go. */
const today = '2025-03-01';

function appointment(n: number, extra: Partial<AppointmentView> = {}): AppointmentView {
  return {
    appointmentNo: `YY${String(n).padStart(10, '0')}`, patientId: 'P0010', slotId: `E002-2025030${n % 9}-AM`, deptId: 'D01', deptName: '心血管内科门诊(特需专家诊室)',
    doctorId: 'E002', doctorName: '欧阳晓梅', doctorTitle: '主任医师', date: today, period: 'morning', visitTime: '08:36', seeNo: 7,
    location: '门诊楼2层A区心血管内科候诊区(近3号电梯)', feeFen: 5000, paid: false, state: 'booked', ...extra,
  };
}

const seven = [
  appointment(1),
  appointment(2, { paid: true, period: 'afternoon', visitTime: '14:10' }),
  ...[3, 4, 5, 6, 7].map((n) => appointment(n, { date: `2025-03-0${n}`, paid: n % 2 === 0 })),
];

const flow = (extra: Partial<AppointmentsContext> = {}): AppointmentsContext => ({
  patientId: 'P0010', nameMasked: '周*', credType: 'patientCard', timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000 }, methods: ['card'], cashChange: false,
  today, appointments: seven, page: 0, ...extra,
});

export const appointmentsCases: Array<[string, ScreenView]> = [
  ['wait.appointments', view('wait.appointments')],
  ['appointments.none', view('appointments.none', { secondsLeft: 45, flowContext: flow({ appointments: [] }) })],
  ['appointments.problem', view('appointments.problem', { secondsLeft: 45, problem: 'central is not reachable', flowContext: flow() })],
  ['appointments.list first of two pages', view('appointments.list', { secondsLeft: 45, flowContext: flow() })],
  ['appointments.list last page', view('appointments.list', { secondsLeft: 45, flowContext: flow({ page: 1 }) })],
  ['appointments.list two', view('appointments.list', { secondsLeft: 45, flowContext: flow({ appointments: seven.slice(0, 2) }) })],
  ['appointments.detail today', view('appointments.detail', { secondsLeft: 45, flowContext: flow({ chosen: seven[0] }) })],
  ['appointments.detail later, paid', view('appointments.detail', { secondsLeft: 45, flowContext: flow({ chosen: seven[3] }) })],
  ['appointments.confirmCancel paid', view('appointments.confirmCancel', { secondsLeft: 45, flowContext: flow({ chosen: seven[1], doing: 'cancel' }) })],
  ['appointments.confirmCancel unpaid', view('appointments.confirmCancel', { secondsLeft: 45, flowContext: flow({ chosen: seven[0], doing: 'cancel' }) })],
  ['appointments.checkingIn', view('appointments.checkingIn', { flowContext: flow({ chosen: seven[1], doing: 'checkIn' }) })],
  ['appointments.checkedIn', view('appointments.checkedIn', { secondsLeft: 45, flowContext: flow({ chosen: seven[0], doing: 'checkIn', checkedIn: { ...seven[0]!, state: 'checkedIn', paid: true, seeNo: 12 } }) })],
  ['appointments.cancelling', view('appointments.cancelling', { flowContext: flow({ chosen: seven[1], doing: 'cancel' }) })],
  [
    'appointments.cancelled every way back',
    view('appointments.cancelled', {
      secondsLeft: 45,
      flowContext: flow({
        doing: 'cancel',
        refunds: [
          { method: 'card', amountFen: 5000, how: 'card' },
          { method: 'qr', amountFen: 1250, how: 'channel' },
          { method: 'cash', amountFen: 300, how: 'voucher' },
          { method: 'qr', amountFen: 100, how: 'pending' },
        ],
      }),
    }),
  ],
  ['appointments.cancelled nothing to refund', view('appointments.cancelled', { secondsLeft: 45, flowContext: flow({ doing: 'cancel', refunds: [] }) })],
  ['appointments.notDone cancel', view('appointments.notDone', { secondsLeft: 45, problem: 'the appointment is checkedIn', flowContext: flow({ doing: 'cancel' }) })],
  ['appointments.notDone checkIn', view('appointments.notDone', { secondsLeft: 45, problem: 'the appointment is for 2025-03-02; check in on that day', flowContext: flow({ doing: 'checkIn' }) })],
  ['appointments.pending', view('appointments.pending', { secondsLeft: 45, problem: 'central could not confirm the outcome in time', flowContext: flow({ doing: 'cancel' }) })],
];
