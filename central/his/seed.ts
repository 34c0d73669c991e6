/**
 * The simulated hospital, written out as data so every fresh data folder holds exactly the same
 * records and tests can name them. Everyone here is fictional; the ID numbers carry valid
 * GB 11643-1999 check digits (one ends in X) and the sex digit matches the sex, so the kiosk's
 * validation sees realistic numbers. Names include the rare characters 喆 and 堃, which GB2312
 * lacks, to catch encoders that cannot print them.
 */

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
  ],
  doctors: [
    { doctorId: 'E001', deptId: 'D01', name: '周建国', title: '主任医师', feeFen: 5000 },
    { doctorId: 'E002', deptId: 'D01', name: '吴晓梅', title: '主治医师', feeFen: 2500 },
    { doctorId: 'E003', deptId: 'D02', name: '郑海涛', title: '副主任医师', feeFen: 4000 },
    { doctorId: 'E004', deptId: 'D02', name: '冯立', title: '住院医师', feeFen: 1500 },
    { doctorId: 'E005', deptId: 'D03', name: '何晴', title: '主任医师', feeFen: 5000 },
    { doctorId: 'E006', deptId: 'D03', name: '许文博', title: '主治医师', feeFen: 2500 },
    { doctorId: 'E007', deptId: 'D04', name: '沈丽华', title: '副主任医师', feeFen: 4000 },
    { doctorId: 'E008', deptId: 'D05', name: '韩明', title: '主治医师', feeFen: 2500 },
    { doctorId: 'E009', deptId: 'D06', name: '曹宇', title: '副主任医师', feeFen: 4000 },
    { doctorId: 'E010', deptId: 'D06', name: '邓佳', title: '住院医师', feeFen: 1500 },
  ],
};

export interface SeedItem {
  name: string;
  qty: number;
  unit: string;
  priceFen: number;
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
  sex: 'male' | 'female';
  idNumber: string;
  cardNo: string;
  /** Stands in for a medical-insurance e-voucher, which is opaque to us. */
  insuranceCode: string;
  bills: SeedBill[];
}

const item = (name: string, qty: number, unit: string, priceFen: number): SeedItem => ({ name, qty, unit, priceFen });

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
