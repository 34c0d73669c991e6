/**
 * The simulated hospital, written out as data so every fresh data folder holds exactly the same
 * records and tests can name them. Everyone here is fictional; the ID numbers carry valid
 * GB 11643-1999 check digits (one ends in X) and the sex digit matches the sex, so the kiosk's
 * validation sees realistic numbers. Names include the rare characters 喆 and 堃, which GB2312
 * lacks, to catch encoders that cannot print them.
 *
 * Records of a stay, an appointment or a report are dated relative to the day the folder is
 * seeded (by the simulator's clock), so "an appointment today" holds whenever a test runs.
 */

import type { PaymentMethod } from '../../contract/rpc.ts';
import type { DepositMethod, DoctorTitle, Period, ReportType, Sex } from './port.ts';

/** Registration fee by title, as the hospital's price list sets it. */
export const feeByTitle: Record<DoctorTitle, number> = { 主任医师: 5000, 副主任医师: 4000, 主治医师: 2500, 住院医师: 1500 };

/** Session hours, hospital local time. */
export const periods: Record<Period, { start: string; end: string }> = {
  morning: { start: '08:00', end: '12:00' },
  afternoon: { start: '13:30', end: '17:00' },
};

export interface SeedDoctor {
  doctorId: string;
  deptId: string;
  name: string;
  title: DoctorTitle;
  /** Numbers per session. Experts see few; the general clinics many. */
  capacity: number;
  /** Weekly rota, Monday first: '1' where the doctor holds a morning or afternoon session. */
  mornings: string;
  afternoons: string;
}

const doctor = (doctorId: string, deptId: string, name: string, title: DoctorTitle, capacity: number, mornings: string, afternoons: string): SeedDoctor =>
  ({ doctorId, deptId, name, title, capacity, mornings, afternoons });

export const hospital = {
  hospitalId: 'H330100001',
  name: '示例市第一人民医院',
  departments: [
    { deptId: 'D01', name: '内科', location: '门诊楼2层A区' },
    { deptId: 'D02', name: '外科', location: '门诊楼2层B区' },
    { deptId: 'D03', name: '儿科', location: '门诊楼1层C区' },
    { deptId: 'D04', name: '妇产科', location: '门诊楼3层A区' },
    { deptId: 'D05', name: '眼科', location: '门诊楼4层A区' },
    { deptId: 'D06', name: '口腔科', location: '门诊楼4层B区' },
    { deptId: 'D07', name: '皮肤科', location: '门诊楼3层B区' },
    { deptId: 'D08', name: '中医科', location: '门诊楼5层A区' },
    { deptId: 'D09', name: '急诊科', location: '急诊楼1层' },
    { deptId: 'D10', name: '检验科', location: '医技楼1层' },
    { deptId: 'D11', name: '耳鼻咽喉科', location: '门诊楼4层C区' },
  ],
  // 检验科 holds no clinics: it signs the lab reports.
  doctors: [
    doctor('E001', 'D01', '周建国', '主任医师', 3, '1010100', '0000000'),
    doctor('E002', 'D01', '吴晓梅', '主治医师', 20, '1111111', '1111111'),
    doctor('E003', 'D02', '郑海涛', '副主任医师', 12, '0101000', '1000100'),
    doctor('E004', 'D02', '冯立', '住院医师', 25, '1111111', '1111100'),
    doctor('E005', 'D03', '何晴', '主任医师', 8, '1001000', '0000010'),
    doctor('E006', 'D03', '许文博', '主治医师', 25, '1111111', '1111111'),
    doctor('E007', 'D04', '沈丽华', '副主任医师', 12, '1111100', '0101000'),
    doctor('E008', 'D05', '韩明', '主治医师', 20, '1111100', '1111100'),
    doctor('E009', 'D06', '曹宇', '副主任医师', 10, '1010100', '0101010'),
    doctor('E010', 'D06', '邓佳', '住院医师', 20, '1111111', '1111100'),
    doctor('E011', 'D07', '孙丽', '主任医师', 8, '0100100', '0000000'),
    doctor('E012', 'D07', '林浩', '住院医师', 25, '1111111', '1111111'),
    doctor('E013', 'D08', '钱国华', '主任医师', 6, '1000010', '0010000'),
    doctor('E014', 'D08', '黄雅琴', '主治医师', 20, '1111100', '1111100'),
    doctor('E015', 'D09', '马骏', '主治医师', 40, '1111111', '1111111'),
    doctor('E016', 'D09', '罗晓', '住院医师', 40, '1111111', '1111111'),
    doctor('E017', 'D11', '高峰', '副主任医师', 12, '1101000', '0010100'),
    doctor('E018', 'D11', '唐婷', '住院医师', 20, '1111100', '1111100'),
  ],
};

export interface SeedItem {
  name: string;
  qty: number;
  unit: string;
  priceFen: number;
  /** The national insurance catalogue code the hospital maps the item to; absent when unmapped. */
  insuranceCode?: string;
}

export interface SeedBill {
  billNo: string;
  doctorId: string;
  /** Hospital local time (Asia/Shanghai). */
  createdAt: string;
  items: SeedItem[];
}

export interface SeedPatient {
  patientId: string;
  name: string;
  sex: Sex;
  idNumber: string;
  cardNo: string;
  /** Stands in for a medical-insurance e-voucher, which is opaque to us. */
  insuranceCode: string;
  bills: SeedBill[];
}

/**
 * The hospital's 医保对照: each charge item's code in the national medical-insurance catalogue
 * (医保业务编码). A service is `00` + its 全国医疗服务价格项目规范 number + `0000`; a western drug is
 * `X` + ATC group, generic name, dosage form, strength and maker; a Chinese patent drug would be
 * `Z…`, a material `C…`. The platform files services as 甲类 and drugs as 乙类; 牙周洁治 is mapped
 * to no code, as most cities leave dental cleaning outside insurance, so it stays 丙类.
 */
export const insuranceCodes: Record<string, string> = {
  普通门诊诊查费: '001102000010000',
  主任医师诊查费: '001102000030000',
  儿科急诊诊查费: '001102000050000',
  '血常规（五分类）': '002501010150000',
  C反应蛋白测定: '002504030790000',
  肝功能测定: '002503050010000',
  心电图检查: '003107010010000',
  腹部彩色多普勒超声: '002203010010000',
  妇科超声检查: '002203010040000',
  胸部正位DR: '002101020150000',
  口腔全景X线片: '002101030020000',
  视力检查: '003103000010000',
  眼压测定: '003103000620000',
  裂隙灯检查: '003103000370000',
  雾化吸入: '003106030010000',
  '清创缝合（小）': '003312000010000',
  '换药（小）': '001206000020000',
  '根管治疗（单根）': '003105160010000',
  '阿莫西林胶囊 0.25g×24粒': 'XJ01CAA040E001010100350',
  '破伤风人免疫球蛋白 250IU': 'XJ06BBP019B002010100123',
  '头孢克肟分散片 50mg×6片': 'XJ01DDT067A012010102116',
  '布洛芬缓释胶囊 0.3g×20粒': 'XM01AEB088E002010100821',
  '小儿氨酚黄那敏颗粒 6袋': 'XN02BEX012N001010104431',
  '玻璃酸钠滴眼液 0.1% 5ml': 'XS01KAB047G010010100267',
  '复方甘草片 100片': 'XR05DAF043A001010104178',
  '阿托伐他汀钙片 20mg×7片': 'XC10AAA245A001010101785',
};

/** A charge item as billed, with its 医保对照 code when the hospital maps it. */
const item = (name: string, qty: number, unit: string, priceFen: number): SeedItem => {
  const insuranceCode = insuranceCodes[name];
  return { name, qty, unit, priceFen, ...(insuranceCode ? { insuranceCode } : {}) };
};

export const patients: SeedPatient[] = [
  {
    patientId: 'P0001', name: '张伟', sex: 'male', idNumber: '330106196803120215', cardNo: '2000000101', insuranceCode: 'YB3301000000000001',
    bills: [
      { billNo: 'MZ00000101', doctorId: 'E001', createdAt: '2025-06-02T09:15:00+08:00', items: [item('普通门诊诊查费', 1, '次', 1000), item('血常规（五分类）', 1, '项', 2000), item('C反应蛋白测定', 1, '项', 3500)] },
      { billNo: 'MZ00000102', doctorId: 'E001', createdAt: '2025-06-02T10:02:00+08:00', items: [item('阿莫西林胶囊 0.25g×24粒', 2, '盒', 1280)] },
    ],
  },
  {
    patientId: 'P0002', name: '李秀英', sex: 'female', idNumber: '330106197508230467', cardNo: '2000000102', insuranceCode: 'YB3301000000000002',
    bills: [
      { billNo: 'MZ00000201', doctorId: 'E002', createdAt: '2025-06-02T08:40:00+08:00', items: [item('心电图检查', 1, '次', 2500), item('腹部彩色多普勒超声', 1, '次', 16000), item('肝功能测定', 1, '项', 4200), item('普通门诊诊查费', 1, '次', 1000)] },
    ],
  },
  {
    patientId: 'P0003', name: '王喆', sex: 'male', idNumber: '330102198901050138', cardNo: '2000000103', insuranceCode: 'YB3301000000000003',
    bills: [
      { billNo: 'MZ00000301', doctorId: 'E003', createdAt: '2025-06-03T14:20:00+08:00', items: [item('清创缝合（小）', 1, '次', 9800), item('破伤风人免疫球蛋白 250IU', 1, '支', 31500)] },
      { billNo: 'MZ00000302', doctorId: 'E004', createdAt: '2025-06-03T15:05:00+08:00', items: [item('换药（小）', 1, '次', 1500)] },
      { billNo: 'MZ00000303', doctorId: 'E004', createdAt: '2025-06-03T15:10:00+08:00', items: [item('头孢克肟分散片 50mg×6片', 3, '盒', 2150), item('布洛芬缓释胶囊 0.3g×20粒', 1, '盒', 1850)] },
    ],
  },
  {
    patientId: 'P0004', name: '陈静', sex: 'female', idNumber: '33010519930717086X', cardNo: '2000000104', insuranceCode: 'YB3301000000000004',
    bills: [
      { billNo: 'MZ00000401', doctorId: 'E007', createdAt: '2025-06-04T09:30:00+08:00', items: [item('妇科超声检查', 1, '次', 13000), item('普通门诊诊查费', 1, '次', 1000)] },
    ],
  },
  {
    patientId: 'P0005', name: '刘梓涵', sex: 'female', idNumber: '330108201504090243', cardNo: '2000000105', insuranceCode: 'YB3301000000000005',
    bills: [
      { billNo: 'MZ00000501', doctorId: 'E005', createdAt: '2025-06-04T19:45:00+08:00', items: [item('儿科急诊诊查费', 1, '次', 2000), item('血常规（五分类）', 1, '项', 2000), item('小儿氨酚黄那敏颗粒 6袋', 2, '盒', 980)] },
      { billNo: 'MZ00000502', doctorId: 'E006', createdAt: '2025-06-04T20:30:00+08:00', items: [item('雾化吸入', 3, '次', 1200)] },
    ],
  },
  {
    patientId: 'P0006', name: '欧阳明', sex: 'male', idNumber: '330104195201300377', cardNo: '2000000106', insuranceCode: 'YB3301000000000006',
    bills: [
      { billNo: 'MZ00000601', doctorId: 'E008', createdAt: '2025-06-05T10:10:00+08:00', items: [item('视力检查', 1, '次', 500), item('眼压测定', 1, '次', 1200), item('裂隙灯检查', 1, '次', 800), item('玻璃酸钠滴眼液 0.1% 5ml', 2, '支', 2350)] },
    ],
  },
  {
    patientId: 'P0007', name: '赵堃', sex: 'male', idNumber: '330110198106110613', cardNo: '2000000107', insuranceCode: 'YB3301000000000007',
    bills: [
      { billNo: 'MZ00000701', doctorId: 'E009', createdAt: '2025-06-05T11:00:00+08:00', items: [item('牙周洁治', 1, '次', 12000)] },
      { billNo: 'MZ00000702', doctorId: 'E010', createdAt: '2025-06-05T11:40:00+08:00', items: [item('根管治疗（单根）', 1, '次', 35000), item('口腔全景X线片', 1, '次', 8500)] },
    ],
  },
  {
    patientId: 'P0008', name: '杨洋', sex: 'male', idNumber: '330106200111280751', cardNo: '2000000108', insuranceCode: 'YB3301000000000008',
    bills: [
      { billNo: 'MZ00000801', doctorId: 'E002', createdAt: '2025-06-06T16:25:00+08:00', items: [item('普通门诊诊查费', 1, '次', 1000), item('胸部正位DR', 1, '次', 8500), item('复方甘草片 100片', 1, '瓶', 650)] },
    ],
  },
];


/** The patients who come for something other than a bill: the seed's other stories. */
export const otherPatients: Omit<SeedPatient, 'bills'>[] = [
  { patientId: 'P0009', name: '孙志强', sex: 'male', idNumber: '330106195908140314', cardNo: '2000000109', insuranceCode: 'YB3301000000000009' },
  { patientId: 'P0010', name: '周芳', sex: 'female', idNumber: '330102198603020424', cardNo: '2000000110', insuranceCode: 'YB3301000000000010' },
  { patientId: 'P0011', name: '吴国栋', sex: 'male', idNumber: '330105197111230534', cardNo: '2000000111', insuranceCode: 'YB3301000000000011' },
  { patientId: 'P0012', name: '郑小燕', sex: 'female', idNumber: '330106199506190640', cardNo: '2000000112', insuranceCode: 'YB3301000000000012' },
  { patientId: 'P0013', name: '钱进', sex: 'male', idNumber: '330103196302270718', cardNo: '2000000113', insuranceCode: 'YB3301000000000013' },
  { patientId: 'P0014', name: '冯秀兰', sex: 'female', idNumber: '330108194805050824', cardNo: '2000000114', insuranceCode: 'YB3301000000000014' },
];

export interface SeedAppointment {
  patientId: string;
  doctorId: string;
  /** The doctor's first session on or after this many days from the seed day. */
  fromDay: number;
  /** Paid by phone or app when booked; an unpaid one is paid at check-in. */
  paid: boolean;
}

export const appointments: SeedAppointment[] = [
  { patientId: 'P0010', doctorId: 'E002', fromDay: 0, paid: false },
  { patientId: 'P0010', doctorId: 'E003', fromDay: 2, paid: true },
  { patientId: 'P0002', doctorId: 'E002', fromDay: 0, paid: true },
];

export interface SeedAdmission {
  admissionNo: string;
  patientId: string;
  deptId: string;
  ward: string;
  bed: string;
  /** Days before the seed day, admitted at 10:20. */
  daysIn: number;
  /** Insured stays: the fund pays 70% of the in-scope costs, rounded down to the fen. */
  insured: boolean;
  dischargeOrdered: boolean;
  deposits: { depositNo: string; amountFen: number; method: DepositMethod; daysAgo: number }[];
  /** The stay's cost lines (住院费用清单) as the wards booked them, day by day. */
  costs: SeedCost[];
}

export interface SeedCost {
  /** Days after the day of admission. */
  day: number;
  /** The 住院收费 category the line is billed under. */
  category: string;
  name: string;
  qty: number;
  unit: string;
  priceFen: number;
  /** qty × priceFen. */
  amountFen: number;
  /** Whether medical insurance covers it, for an insured stay. */
  inScope: boolean;
}

const cost = (day: number, category: string, name: string, qty: number, unit: string, priceFen: number, inScope = true): SeedCost =>
  ({ day, category, name, qty, unit, priceFen, amountFen: qty * priceFen, inScope });
/** The same line on each of `days` days from the day of admission. */
const daily = (days: number, category: string, name: string, qty: number, unit: string, priceFen: number): SeedCost[] =>
  Array.from({ length: days }, (_, day) => cost(day, category, name, qty, unit, priceFen));

export const fundShare = { numerator: 7, denominator: 10 };

export const admissions: SeedAdmission[] = [
  {
    admissionNo: 'ZY2025000101', patientId: 'P0009', deptId: 'D01', ward: '内科一病区', bed: '12', daysIn: 6, insured: true, dischargeOrdered: true,
    deposits: [
      { depositNo: 'YJ0000000001', amountFen: 300000, method: 'card', daysAgo: 6 },
      { depositNo: 'YJ0000000002', amountFen: 200000, method: 'cash', daysAgo: 3 },
    ],
    // 3501.63 in all, of which 585.90 (the albumin) is outside insurance.
    costs: [
      ...daily(6, '床位费', '床位费（普通病房）', 1, '日', 6000),
      ...daily(6, '护理费', '一级护理', 1, '日', 2800),
      ...daily(6, '诊查费', '住院诊查费', 1, '日', 500),
      cost(0, '化验费', '血常规（五分类）', 1, '项', 2000),
      cost(0, '化验费', '生化全套', 1, '项', 18000),
      cost(0, '化验费', 'C反应蛋白测定', 1, '项', 3500),
      cost(0, '检查费', '胸部CT平扫', 1, '次', 38000),
      cost(0, '检查费', '心电图检查', 1, '次', 2500),
      ...daily(6, '治疗费', '静脉输液', 2, '次', 1200),
      ...daily(6, '治疗费', '吸氧', 12, '小时', 300),
      ...daily(6, '治疗费', '雾化吸入', 2, '次', 1200),
      ...daily(6, '西药费', '注射用头孢曲松钠', 2, '支', 3580),
      ...daily(6, '西药费', '氯化钠注射液', 2, '袋', 450),
      ...daily(6, '西药费', '盐酸氨溴索注射液', 2, '支', 1173),
      ...daily(5, '西药费', '注射用阿奇霉素', 1, '支', 4856),
      ...daily(6, '材料费', '一次性输液器', 2, '套', 350),
      cost(1, '化验费', '痰培养及药敏试验', 1, '项', 12000),
      cost(1, '西药费', '乙酰半胱氨酸泡腾片', 3, '盒', 4319),
      cost(2, '西药费', '人血白蛋白注射液', 2, '瓶', 11718, false),
      cost(3, '化验费', '血常规（五分类）', 1, '项', 2000),
      cost(3, '化验费', 'C反应蛋白测定', 1, '项', 3500),
      cost(3, '西药费', '人血白蛋白注射液', 2, '瓶', 11718, false),
      cost(4, '西药费', '人血白蛋白注射液', 1, '瓶', 11718, false),
    ],
  },
  {
    admissionNo: 'ZY2025000102', patientId: 'P0013', deptId: 'D02', ward: '外科二病区', bed: '03', daysIn: 4, insured: false, dischargeOrdered: true,
    deposits: [{ depositNo: 'YJ0000000003', amountFen: 100000, method: 'card', daysAgo: 4 }],
    // 1345.67 in all against a 1000.00 deposit: 345.67 due at discharge.
    costs: [
      ...daily(4, '床位费', '床位费（普通病房）', 1, '日', 6000),
      cost(0, '手术费', '阑尾切除术', 1, '次', 68000),
      cost(0, '麻醉费', '全身麻醉', 1, '次', 25000),
      ...daily(4, '西药费', '注射用头孢呋辛钠', 2, '支', 1650),
      ...daily(4, '西药费', '氯化钠注射液', 2, '袋', 450),
      cost(1, '材料费', '一次性引流袋', 1, '个', 767),
    ],
  },
  {
    admissionNo: 'ZY2025000103', patientId: 'P0014', deptId: 'D04', ward: '妇产科病区', bed: '21', daysIn: 2, insured: true, dischargeOrdered: false,
    deposits: [{ depositNo: 'YJ0000000004', amountFen: 200000, method: 'card', daysAgo: 2 }],
    // 876.50 in all.
    costs: [
      ...daily(2, '床位费', '床位费（普通病房）', 1, '日', 6000),
      cost(0, '检查费', '妇科超声检查', 1, '次', 13000),
      cost(0, '化验费', '血常规（五分类）', 1, '项', 2000),
      cost(0, '西药费', '地屈孕酮片', 2, '盒', 8630),
      ...daily(2, '西药费', '注射用头孢唑林钠', 2, '支', 2250),
      ...daily(2, '西药费', '复方氨基酸注射液', 1, '瓶', 4695),
      ...daily(2, '西药费', '蔗糖铁注射液', 1, '支', 12500),
    ],
  },
];

export interface SeedReport {
  reportId: string;
  patientId: string;
  type: ReportType;
  title: string;
  deptId: string;
  /** Null while the lab is still working on it. */
  daysAgo: number | null;
  results: { item: string; value: string; unit: string; range: string; flag?: '↑' | '↓' }[];
}

const result = (item: string, value: string, unit: string, range: string, flag?: '↑' | '↓') => ({ item, value, unit, range, ...(flag ? { flag } : {}) });

export const reports: SeedReport[] = [
  {
    reportId: 'R000000001', patientId: 'P0012', type: 'LAB', title: '血常规（五分类）', deptId: 'D10', daysAgo: 1,
    results: [
      result('白细胞计数 WBC', '6.52', '10^9/L', '3.5-9.5'),
      result('中性粒细胞百分比 NEUT%', '62.3', '%', '40-75'),
      result('红细胞计数 RBC', '4.21', '10^12/L', '3.8-5.1'),
      result('血红蛋白 HGB', '112', 'g/L', '115-150', '↓'),
      result('血小板计数 PLT', '256', '10^9/L', '125-350'),
    ],
  },
  {
    reportId: 'R000000002', patientId: 'P0012', type: 'LAB', title: '肝功能', deptId: 'D10', daysAgo: 1,
    results: [
      result('丙氨酸氨基转移酶 ALT', '58', 'U/L', '7-40', '↑'),
      result('天门冬氨酸氨基转移酶 AST', '35', 'U/L', '13-35'),
      result('总胆红素 TBIL', '15.2', 'umol/L', '0-21'),
      result('白蛋白 ALB', '42.1', 'g/L', '40-55'),
    ],
  },
  { reportId: 'R000000003', patientId: 'P0012', type: 'LAB', title: '甲状腺功能', deptId: 'D10', daysAgo: null, results: [] },
  {
    reportId: 'R000000004', patientId: 'P0001', type: 'LAB', title: '尿常规', deptId: 'D10', daysAgo: 0,
    results: [
      result('酸碱度 pH', '6.0', '', '4.5-8.0'),
      result('比重 SG', '1.020', '', '1.003-1.030'),
      result('尿蛋白 PRO', '阴性', '', '阴性'),
      result('尿葡萄糖 GLU', '阴性', '', '阴性'),
      result('白细胞 LEU', '阴性', '', '阴性'),
    ],
  },
];

/** Prepaid balances left from before the 2025 abolition, waiting to be refunded. */
export const accounts: { patientId: string; balanceFen: number }[] = [{ patientId: 'P0011', balanceFen: 23650 }];

/** What the hospital's website says of each doctor: the specialty and a short profile the inquiry screen shows. */
export const doctorProfiles: { doctorId: string; specialty: string; profile: string }[] = [
  { doctorId: 'E001', specialty: '高血压、冠心病、心力衰竭', profile: '从事心血管内科临床工作三十年, 擅长难治性高血压和冠心病的诊治, 省医学会心血管病分会委员.' },
  { doctorId: 'E002', specialty: '呼吸道感染、慢性咳嗽、糖尿病', profile: '内科主治医师, 擅长常见内科疾病的诊治, 尤其是呼吸道感染和慢性病的长期管理.' },
  { doctorId: 'E003', specialty: '腹部外科、疝和腹壁外科', profile: '擅长腹腔镜胆囊切除、疝修补和阑尾手术, 完成微创手术两千余例.' },
  { doctorId: 'E004', specialty: '外科常见病、创伤处理', profile: '外科住院医师, 负责外科门诊和清创缝合、换药等处置.' },
  { doctorId: 'E005', specialty: '小儿呼吸、小儿哮喘', profile: '儿科主任医师, 从事儿科临床工作二十五年, 擅长小儿哮喘、反复呼吸道感染的诊治.' },
  { doctorId: 'E006', specialty: '儿童常见病、儿童保健', profile: '儿科主治医师, 擅长儿童发热、腹泻等常见病和生长发育评估.' },
  { doctorId: 'E007', specialty: '妇科内分泌、围产期保健', profile: '擅长月经失调、多囊卵巢综合征和高危妊娠的管理.' },
  { doctorId: 'E008', specialty: '白内障、青光眼、干眼症', profile: '眼科主治医师, 擅长白内障和青光眼的筛查与诊治.' },
  { doctorId: 'E009', specialty: '牙周病、口腔修复', profile: '口腔科副主任医师, 擅长牙周病系统治疗和固定义齿修复.' },
  { doctorId: 'E010', specialty: '牙体牙髓病', profile: '口腔科住院医师, 擅长龋病充填和根管治疗.' },
  { doctorId: 'E011', specialty: '湿疹、银屑病、痤疮', profile: '皮肤科主任医师, 从事皮肤病临床工作二十余年, 擅长慢性炎症性皮肤病的诊治.' },
  { doctorId: 'E012', specialty: '皮肤科常见病', profile: '皮肤科住院医师, 负责皮肤科门诊常见病的诊治.' },
  { doctorId: 'E013', specialty: '中医内科、脾胃病、失眠', profile: '中医科主任医师, 师从省级名中医, 擅长以中药调理脾胃病、失眠和亚健康状态.' },
  { doctorId: 'E014', specialty: '针灸推拿、颈肩腰腿痛', profile: '中医科主治医师, 擅长针灸、推拿治疗颈椎病和腰椎间盘突出症.' },
  { doctorId: 'E015', specialty: '急危重症、中毒救治', profile: '急诊科主治医师, 擅长急性胸痛、创伤和各类中毒的急救处理.' },
  { doctorId: 'E016', specialty: '急诊内科', profile: '急诊科住院医师, 负责急诊内科的首诊和留观.' },
  { doctorId: 'E017', specialty: '慢性鼻窦炎、过敏性鼻炎、听力障碍', profile: '耳鼻咽喉科副主任医师, 擅长鼻内镜手术和过敏性鼻炎的规范治疗.' },
  { doctorId: 'E018', specialty: '耳鼻咽喉科常见病', profile: '耳鼻咽喉科住院医师, 负责咽喉炎、中耳炎等常见病的诊治.' },
];

/** A bill paid before this data folder's first day at a counter or in the hospital's app: no trade of ours stands behind it. */
export interface SeedPaidBill {
  billNo: string;
  patientId: string;
  doctorId: string;
  /** Days before the seed day; opened at `openedAt`, paid at `paidAt` (HH:mm, hospital time). */
  daysAgo: number;
  openedAt: string;
  paidAt: string;
  method: PaymentMethod;
  items: SeedItem[];
}

/** Paid history for the bill lists and the payment inquiry: P0001 has bills 3, 20, 60 and 120 days back. */
export const paidBills: SeedPaidBill[] = [
  { billNo: 'MZ00009001', patientId: 'P0001', doctorId: 'E002', daysAgo: 3, openedAt: '09:12', paidAt: '09:40', method: 'card', items: [item('普通门诊诊查费', 1, '次', 1000), item('血常规（五分类）', 1, '项', 2000)] },
  { billNo: 'MZ00009002', patientId: 'P0001', doctorId: 'E001', daysAgo: 20, openedAt: '10:05', paidAt: '10:31', method: 'qr', items: [item('主任医师诊查费', 1, '次', 5000), item('心电图检查', 1, '次', 2500), item('阿托伐他汀钙片 20mg×7片', 2, '盒', 3980)] },
  { billNo: 'MZ00009003', patientId: 'P0001', doctorId: 'E008', daysAgo: 60, openedAt: '14:20', paidAt: '14:36', method: 'cash', items: [item('视力检查', 1, '次', 500), item('玻璃酸钠滴眼液 0.1% 5ml', 1, '支', 2350)] },
  { billNo: 'MZ00009004', patientId: 'P0001', doctorId: 'E004', daysAgo: 120, openedAt: '15:02', paidAt: '15:10', method: 'card', items: [item('换药（小）', 1, '次', 1500)] },
  { billNo: 'MZ00009005', patientId: 'P0012', doctorId: 'E002', daysAgo: 1, openedAt: '08:30', paidAt: '08:52', method: 'insurance', items: [item('普通门诊诊查费', 1, '次', 1000), item('血常规（五分类）', 1, '项', 2000), item('肝功能测定', 1, '项', 4200)] },
  { billNo: 'MZ00009006', patientId: 'P0010', doctorId: 'E007', daysAgo: 10, openedAt: '09:30', paidAt: '09:58', method: 'card', items: [item('妇科超声检查', 1, '次', 13000), item('普通门诊诊查费', 1, '次', 1000)] },
];
