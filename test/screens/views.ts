import type { Bill } from '../../machines/types.ts';
import type { ScreenView } from '../../screens/view.ts';

/** Realistic views for the screen tests: a long department name, a masked Chinese name. */
export function bill(billNo: string, amountFen: number, department: string): Bill {
  return { billNo, amountFen, department, doctor: '李医生', createdAt: '2025-03-01T09:30:00+08:00', items: [] };
}

const bills: Bill[] = [
  bill('MZ2025030100017', 8850, '心血管内科门诊(特需专家诊室)国际医疗部'),
  bill('MZ2025030100018', 4000, '检验科'),
];

/** 128.50 yuan in all. */
export const base: ScreenView = {
  screen: 'attract',
  voice: 'attract',
  hospital: '上海市第一人民医院',
  location: '门诊大厅一楼东侧',
  kioskId: 'K-0001',
  serviceAvailable: true,
  nameMasked: '王*',
  bills,
  totalFen: 12850,
  selfFen: 12850,
};

export function view(screen: string, extra: Partial<ScreenView> = {}): ScreenView {
  return { ...base, screen, voice: screen, ...extra };
}
