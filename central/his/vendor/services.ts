import type { HisFunction, TradeKind } from '../port.ts';
import { field, optional, type Field } from './codec.ts';

/**
 * Every port function as a vendor service: its service code and the field maps of its request
 * `data` and its answer `data` (docs/his-interface.md, one section each).
 */

export interface Service {
  service: string;
  request: Field[];
  result: Field[];
}

const payMode = { enum: { card: 'BANKCARD', qr: 'QRCODE', cash: 'CASH', insurance: 'INSURANCE' } };
const payment: Field[] = [
  field('method', 'pay_mode', payMode),
  field('amountFen', 'pay_amount', 'fen'),
  // Each method has its own evidence; the HIS checks that the fields of the method are there.
  optional('rrn', 'bank_rrn', 'text'),
  optional('trace', 'bank_trace', 'text'),
  optional('batch', 'bank_batch', 'text'),
  optional('authCode', 'bank_auth_code', 'text'),
  optional('panMasked', 'bank_card_no', 'text'),
  optional('tid', 'bank_terminal_no', 'text'),
  optional('mid', 'bank_merchant_no', 'text'),
  optional('settleDate', 'bank_settle_date', 'text'),
  optional('channel', 'qr_channel', { enum: { wechat: 'WECHAT', alipay: 'ALIPAY' } }),
  optional('channelTradeNo', 'channel_trade_no', 'text'),
  optional('insertedFen', 'cash_inserted', 'fen'),
  optional('notes', 'cash_notes', { list: 'fen' }),
  optional('changeFen', 'cash_change', 'fen'),
];
const payInfo = field('payment', 'pay_info', { object: payment });
const optionalPayInfo = optional('payment', 'pay_info', { object: payment });

const tradeNo = field('tradeNo', 'trade_no', 'text');
const patientId = field('patientId', 'patient_id', 'text');
const sex = { enum: { male: '1', female: '2' } }; // GB/T 2261.1
const timeFlag = { enum: { morning: '1', afternoon: '2' } };
const receipt = [field('hisReceiptNo', 'receipt_no', 'text'), field('settledAt', 'trade_time', 'time')];

const appointment: Field[] = [
  field('appointmentNo', 'appoint_no', 'text'), patientId, field('slotId', 'source_id', 'text'),
  field('deptId', 'dept_code', 'text'), field('deptName', 'dept_name', 'text'),
  field('doctorId', 'doct_code', 'text'), field('doctorName', 'doct_name', 'text'), field('doctorTitle', 'doct_title', 'text'),
  field('date', 'sch_date', 'text'), field('period', 'time_flag', timeFlag), field('visitTime', 'visit_time', 'text'),
  field('seeNo', 'see_no', 'int'), field('location', 'dept_addr', 'text'), field('feeFen', 'reg_fee', 'fen'),
  field('paid', 'pay_flag', 'flag'), field('state', 'appoint_state', { enum: { booked: '0', checkedIn: '1', cancelled: '2' } }),
];

const depositMethod = { enum: { card: 'BANKCARD', cash: 'CASH', qr: 'QRCODE' } };

export const bizTypes: Record<TradeKind, string> = {
  createPatient: 'card', register: 'register', bookAppointment: 'appoint', checkIn: 'take', cancelAppointment: 'unregister',
  settle: 'charge', recharge: 'prepay', refundBalance: 'prepay_refund', payDeposit: 'deposit', dischargeSettle: 'discharge',
  markReportPrinted: 'report_print',
};

/** A bill and its items, as the unpaid list and the paid history both show it. */
const billFields: Field[] = [
  field('billNo', 'bill_no', 'text'), field('amountFen', 'bill_amount', 'fen'), field('department', 'dept_name', 'text'),
  field('doctor', 'doct_name', 'text'), field('createdAt', 'bill_time', 'time'),
  field('items', 'items', {
    list: [
      field('name', 'item_name', 'text'), field('qty', 'item_qty', 'int'), field('unit', 'item_unit', 'text'),
      field('priceFen', 'item_price', 'fen'), field('amountFen', 'item_amount', 'fen'),
      // 医保对照: absent for an item the hospital maps to no national catalogue code.
      optional('insuranceCode', 'med_list_codg', 'text'),
    ],
  }),
];
const itemType = { enum: { drug: '1', service: '2' } };
const insuranceClass = { enum: { 甲: '1', 乙: '2', 丙: '3' } };

const preSettleFigures = [
  field('totalFen', 'total_amount', 'fen'), field('fundFen', 'fund_amount', 'fen'),
  field('acctFen', 'acct_amount', 'fen'), field('selfFen', 'self_amount', 'fen'),
];

export const services: Record<HisFunction, Service> = {
  identifyPatient: {
    service: 'patient.query',
    request: [field('credType', 'card_type', { enum: { patientCard: '1', idCard: '2', insuranceCode: '3' } }), field('credNo', 'card_no', 'text')],
    result: [
      patientId, field('name', 'patient_name', 'text'), field('idNumber', 'id_no', 'text'), field('cardNo', 'card_no', 'text'),
      field('sex', 'sex', sex), field('birthDate', 'birthday', 'text'),
    ],
  },
  createPatient: {
    service: 'patient.create',
    request: [
      tradeNo, field('name', 'patient_name', 'text'), field('sex', 'sex', sex), field('birthDate', 'birthday', 'text'),
      field('idNumber', 'id_no', 'text'), optional('nation', 'nation', 'text'), optional('address', 'address', 'text'),
      field('phone', 'mobile', 'text'), field('cardNo', 'card_no', 'text'), optionalPayInfo,
    ],
    result: [patientId, field('cardNo', 'card_no', 'text'), field('feeFen', 'card_fee', 'fen'), field('hisReceiptNo', 'receipt_no', 'text'), field('createdAt', 'create_time', 'time')],
  },
  querySchedule: {
    service: 'schedule.query',
    request: [optional('date', 'sch_date', 'text'), optional('deptId', 'dept_code', 'text'), optional('doctorId', 'doct_code', 'text')],
    result: [
      field('departments', 'depts', { list: [field('deptId', 'dept_code', 'text'), field('name', 'dept_name', 'text'), field('location', 'dept_addr', 'text')] }),
      field('doctors', 'doctors', {
        list: [
          field('doctorId', 'doct_code', 'text'), field('deptId', 'dept_code', 'text'), field('name', 'doct_name', 'text'),
          field('title', 'doct_title', 'text'), field('feeFen', 'reg_fee', 'fen'),
        ],
      }),
      field('slots', 'sources', {
        list: [
          field('slotId', 'source_id', 'text'), field('doctorId', 'doct_code', 'text'), field('deptId', 'dept_code', 'text'),
          field('date', 'sch_date', 'text'), field('period', 'time_flag', timeFlag), field('startTime', 'begin_time', 'text'),
          field('endTime', 'end_time', 'text'), field('feeFen', 'reg_fee', 'fen'), field('capacity', 'total_num', 'int'), field('remaining', 'left_num', 'int'),
        ],
      }),
    ],
  },
  lockSlot: {
    service: 'register.lock',
    request: [field('slotId', 'source_id', 'text'), patientId, tradeNo],
    result: [field('lockId', 'lock_id', 'text'), field('slotId', 'source_id', 'text'), field('feeFen', 'reg_fee', 'fen'), field('expiresAt', 'expire_time', 'time')],
  },
  unlockSlot: {
    service: 'register.unlock',
    request: [field('lockId', 'lock_id', 'text')],
    result: [field('lockId', 'lock_id', 'text'), field('released', 'released', 'flag')],
  },
  register: {
    service: 'register.confirm',
    request: [field('lockId', 'lock_id', 'text'), patientId, tradeNo, payInfo],
    result: [field('appointment', 'appoint', { object: appointment }), ...receipt],
  },
  listAppointments: {
    service: 'appointment.list',
    request: [patientId],
    result: [field('appointments', 'appoints', { list: appointment })],
  },
  bookAppointment: {
    service: 'appointment.book',
    request: [field('slotId', 'source_id', 'text'), patientId, tradeNo],
    result: appointment,
  },
  checkIn: {
    service: 'appointment.checkin',
    request: [field('appointmentNo', 'appoint_no', 'text'), patientId, tradeNo, optionalPayInfo],
    result: [field('appointment', 'appoint', { object: appointment }), field('paidFen', 'pay_amount', 'fen'), ...receipt],
  },
  cancelAppointment: {
    service: 'appointment.cancel',
    request: [field('appointmentNo', 'appoint_no', 'text'), patientId, tradeNo, optional('reason', 'cancel_reason', 'text')],
    result: [
      field('appointment', 'appoint', { object: appointment }), field('refundFen', 'refund_amount', 'fen'),
      optional('refundOf', 'refund_trade_no', 'text'), ...receipt,
    ],
  },
  listBills: {
    service: 'outpatient.bill.list',
    request: [patientId],
    result: [field('bills', 'bills', { list: billFields })],
  },
  preSettle: {
    service: 'outpatient.bill.presettle',
    request: [patientId, field('billNos', 'bill_nos', { list: 'text' }), tradeNo],
    result: [field('preSettleId', 'pre_id', 'text'), ...preSettleFigures, field('expiresAt', 'expire_time', 'time')],
  },
  settle: {
    service: 'outpatient.bill.settle',
    request: [
      field('preSettleId', 'pre_id', 'text'), tradeNo, payInfo,
      optional('insurance', 'setl_info', {
        object: [field('setlId', 'setl_id', 'text'), field('mdtrtId', 'mdtrt_id', 'text'), field('fundFen', 'fund_amount', 'fen'), field('acctFen', 'acct_amount', 'fen')],
      }),
    ],
    result: [
      ...receipt,
      // 就诊指引: where the patient goes next (the dispensing window, the lab, the exam rooms).
      optional('guide', 'guide_list', { list: [field('what', 'guide_item', 'text'), field('where', 'guide_addr', 'text')] }),
    ],
  },
  accountBalance: {
    service: 'account.balance',
    request: [patientId],
    result: [patientId, field('balanceFen', 'balance', 'fen'), field('rechargeOffered', 'recharge_flag', 'flag')],
  },
  recharge: {
    service: 'account.recharge',
    request: [patientId, tradeNo, payInfo],
    result: [field('amountFen', 'recharge_amount', 'fen'), field('balanceFen', 'balance', 'fen'), ...receipt],
  },
  refundBalance: {
    service: 'account.refund',
    request: [patientId, tradeNo, field('amountFen', 'refund_amount', 'fen')],
    result: [field('refundFen', 'refund_amount', 'fen'), field('balanceFen', 'balance', 'fen'), ...receipt],
  },
  inpatientInfo: {
    service: 'inpatient.info',
    request: [optional('patientId', 'patient_id', 'text'), optional('admissionNo', 'inpatient_no', 'text')],
    result: [
      field('admissionNo', 'inpatient_no', 'text'), patientId, field('deptName', 'dept_name', 'text'), field('ward', 'ward_name', 'text'),
      field('bed', 'bed_no', 'text'), field('admittedAt', 'in_time', 'time'), field('state', 'in_state', { enum: { inHospital: '1', discharged: '2' } }),
      field('dischargeOrdered', 'out_order_flag', 'flag'), field('insured', 'insure_flag', 'flag'), field('depositFen', 'deposit_total', 'fen'),
      field('costFen', 'cost_total', 'fen'), field('balanceFen', 'balance', 'signedFen'),
      field('deposits', 'deposits', {
        list: [
          field('depositNo', 'deposit_no', 'text'), field('amountFen', 'deposit_amount', 'fen'), field('method', 'pay_mode', depositMethod),
          field('paidAt', 'pay_time', 'time'), optional('tradeNo', 'trade_no', 'text'),
        ],
      }),
    ],
  },
  payDeposit: {
    service: 'inpatient.deposit',
    request: [field('admissionNo', 'inpatient_no', 'text'), tradeNo, payInfo],
    result: [
      field('depositNo', 'deposit_no', 'text'), field('amountFen', 'deposit_amount', 'fen'), field('depositFen', 'deposit_total', 'fen'),
      field('balanceFen', 'balance', 'signedFen'), ...receipt,
    ],
  },
  dischargeCheck: {
    service: 'discharge.check',
    request: [field('admissionNo', 'inpatient_no', 'text')],
    result: [
      field('admissionNo', 'inpatient_no', 'text'), field('eligible', 'can_settle', 'flag'),
      field('reasons', 'reasons', { list: [field('code', 'reason_code', 'text'), field('message', 'reason_msg', 'text')] }),
    ],
  },
  dischargePreSettle: {
    service: 'discharge.presettle',
    request: [field('admissionNo', 'inpatient_no', 'text'), tradeNo],
    result: [
      field('preSettleId', 'pre_id', 'text'), field('admissionNo', 'inpatient_no', 'text'), ...preSettleFigures,
      field('depositFen', 'deposit_total', 'fen'), field('dueFen', 'due_amount', 'fen'), field('refundFen', 'refund_amount', 'fen'),
      field('expiresAt', 'expire_time', 'time'),
    ],
  },
  dischargeSettle: {
    service: 'discharge.settle',
    request: [field('preSettleId', 'pre_id', 'text'), tradeNo, optionalPayInfo],
    result: [
      field('admissionNo', 'inpatient_no', 'text'), ...preSettleFigures, field('depositFen', 'deposit_total', 'fen'),
      field('paidFen', 'pay_amount', 'fen'), field('refundFen', 'refund_amount', 'fen'),
      field('refunds', 'refunds', {
        list: [
          field('depositNo', 'deposit_no', 'text'), field('method', 'pay_mode', depositMethod), field('amountFen', 'refund_amount', 'fen'),
          optional('tradeNo', 'trade_no', 'text'),
        ],
      }),
      field('hisReceiptNo', 'receipt_no', 'text'), field('invoiceNo', 'invoice_no', 'text'), field('settledAt', 'trade_time', 'time'),
    ],
  },
  listReports: {
    service: 'report.list',
    request: [patientId],
    result: [
      field('reports', 'reports', {
        list: [
          field('reportId', 'report_id', 'text'), patientId, field('type', 'report_type', { enum: { LAB: 'LAB', EXAM: 'EXAM', IMAGING: 'IMAGING' } }),
          field('title', 'report_name', 'text'), field('deptName', 'dept_name', 'text'), field('state', 'report_state', { enum: { ready: '1', pending: '0' } }),
          optional('reportedAt', 'report_time', 'time'), field('printCount', 'print_times', 'int'), optional('printedAt', 'print_time', 'time'),
        ],
      }),
    ],
  },
  fetchReport: {
    service: 'report.fetch',
    request: [field('reportId', 'report_id', 'text'), patientId],
    result: [
      field('reportId', 'report_id', 'text'), field('title', 'report_name', 'text'), field('pdf', 'pdf_base64', 'base64'),
      field('pages', 'page_count', 'int'), field('printed', 'print_flag', 'flag'), field('printCount', 'print_times', 'int'),
      optional('printedAt', 'print_time', 'time'),
    ],
  },
  markReportPrinted: {
    service: 'report.printed',
    request: [field('reportId', 'report_id', 'text'), patientId, tradeNo],
    result: [field('reportId', 'report_id', 'text'), field('printCount', 'print_times', 'int'), field('printedAt', 'print_time', 'time')],
  },
  billHistory: {
    service: 'outpatient.bill.history',
    request: [patientId, field('from', 'begin_date', 'text'), field('to', 'end_date', 'text')],
    result: [
      field('bills', 'bills', {
        list: [...billFields, field('paidAt', 'pay_time', 'time'), field('hisReceiptNo', 'receipt_no', 'text'), field('method', 'pay_mode', payMode)],
      }),
    ],
  },
  inpatientCosts: {
    service: 'inpatient.fee.list',
    request: [field('admissionNo', 'inpatient_no', 'text')],
    result: [
      field('admissionNo', 'inpatient_no', 'text'), patientId, field('deptName', 'dept_name', 'text'), field('ward', 'ward_name', 'text'),
      field('bed', 'bed_no', 'text'), field('admittedAt', 'in_time', 'time'), field('state', 'in_state', { enum: { inHospital: '1', discharged: '2' } }),
      field('items', 'fee_items', {
        list: [
          field('date', 'fee_date', 'text'), field('category', 'fee_type', 'text'), field('name', 'item_name', 'text'), field('qty', 'item_qty', 'int'),
          field('unit', 'item_unit', 'text'), field('priceFen', 'item_price', 'fen'), field('amountFen', 'item_amount', 'fen'),
        ],
      }),
    ],
  },
  searchPrices: {
    service: 'price.search',
    request: [optional('initials', 'py_code', 'text'), optional('category', 'item_type', itemType), field('page', 'page_no', 'int'), field('pageSize', 'page_size', 'int')],
    result: [
      field('items', 'items', {
        list: [
          field('itemCode', 'item_code', 'text'), field('name', 'item_name', 'text'), field('spec', 'item_spec', 'text'), field('unit', 'item_unit', 'text'),
          field('priceFen', 'item_price', 'fen'), field('category', 'item_type', itemType), field('insuranceClass', 'insur_class', insuranceClass),
          field('initials', 'py_code', 'text'),
        ],
      }),
      field('total', 'total_count', 'int'),
    ],
  },
  doctorInfo: {
    service: 'doctor.info',
    request: [field('doctorId', 'doct_code', 'text')],
    result: [
      field('doctorId', 'doct_code', 'text'), field('name', 'doct_name', 'text'), field('title', 'doct_title', 'text'), field('deptId', 'dept_code', 'text'),
      field('deptName', 'dept_name', 'text'), field('specialty', 'doct_speciality', 'text'), field('profile', 'doct_intro', 'text'),
    ],
  },
  receiptData: {
    service: 'receipt.reprint',
    request: [tradeNo, patientId],
    result: [
      field('hisReceiptNo', 'receipt_no', 'text'), tradeNo, field('kind', 'biz_type', { enum: bizTypes }), field('title', 'title', 'text'), patientId,
      field('fields', 'fields', { list: [field('label', 'label', 'text'), field('value', 'value', 'text')] }),
      field('lines', 'lines', { list: [field('name', 'item_name', 'text'), field('amountFen', 'amount', 'fen')] }),
      field('totalFen', 'total_amount', 'fen'), field('paidFen', 'pay_amount', 'fen'), field('refundFen', 'refund_amount', 'fen'),
      optionalPayInfo, field('settledAt', 'trade_time', 'time'),
    ],
  },
  queryTrade: {
    service: 'trade.check',
    request: [tradeNo],
    result: [
      field('state', 'trade_state', { enum: { settled: 'SUCCESS', notFound: 'NOTFOUND' } }), optional('kind', 'biz_type', { enum: bizTypes }),
      optional('hisReceiptNo', 'receipt_no', 'text'), optional('paidFen', 'pay_amount', 'fen'), optional('refundFen', 'refund_amount', 'fen'),
      optional('settledAt', 'trade_time', 'time'),
    ],
  },
};

const byService = new Map(Object.entries(services).map(([fn, s]) => [s.service, fn as HisFunction]));

export function functionOfService(service: string): HisFunction | undefined {
  return byService.get(service);
}
