import { describe, expect, it } from 'vitest';
import { renderScreen, type RenderedScreen } from '../../screens/render.ts';
import { common, screenIds, staffNotes, strings, type Language, type Text } from '../../screens/strings.ts';
import type { ScreenView } from '../../screens/view.ts';
import { assertNoAmbiguous, displayWidth } from '../../screens/width.ts';
import { flowBuilders, flowLabels, flowStrings } from '../../screens/flows/index.ts';
import { flowCases } from './flows/index.ts';
import { bill, view } from './views.ts';

const GRID = { columns: 66, rows: 19 };
const languages: Language[] = ['zh', 'en'];

/** A settled bill's "what next" steps as the HIS answers them: lab, two exam rooms, the pharmacy window. */
const guide = [
  { what: '抽血化验', where: '检验科 采血处 (医技楼1层)' },
  { what: '心电图检查', where: '心电图室 (医技楼2层)' },
  { what: '超声检查', where: '超声科 (医技楼2层)' },
  { what: '取药', where: '门诊西药房 3号窗口 (门诊楼1层)' },
];

/** Every screen id with the view a machine would show it with; some ids have several endings. */
const cases: Array<[string, ScreenView]> = [
  ['attract', view('attract')],
  ['attract unavailable', view('attract', { serviceAvailable: false })],
  ['attract with ID card reader', view('attract', { idCardReader: true })],
  ['idcard.problem', view('idcard.problem', { secondsLeft: 45, problem: 'lift the ID card off the reader and place it again' })],
  ['card.problem', view('card.problem', { secondsLeft: 45, problem: 'card reader: unreadable track 2' })],
  ['wait.identify', view('wait.identify')],
  ['wait.bills', view('wait.bills')],
  ['bills.list', view('bills.list', { secondsLeft: 45, totalFen: undefined })],
  ['bills.list with home', view('bills.list', { secondsLeft: 45, totalFen: undefined, homeOffered: true })],
  ['bills.none', view('bills.none', { secondsLeft: 45, bills: [] })],
  ['service.problem', view('service.problem', { secondsLeft: 45, problem: 'HIS 接口超时' })],
  ['bills.confirm', view('bills.confirm', { secondsLeft: 45 })],
  ['bills.confirm with insurance', view('bills.confirm', { secondsLeft: 45, insuranceOffered: true })],
  ['insurance.scan', view('insurance.scan', { secondsLeft: 45 })],
  ['bills.split', view('bills.split', { secondsLeft: 45, fundFen: 6_000, acctFen: 1_850, selfFen: 5_000 })],
  ['wait.central', view('wait.central')],
  ['pay.method', view('pay.method', { secondsLeft: 45, payMethods: [{ method: 'card', offered: true }, { method: 'cash', offered: false, why: 'cashboxFull' }] })],
  ['pay.qr', view('pay.qr', { secondsLeft: 45, voice: 'pay.qr' })],
  ['pay.qr confirming', view('pay.qr', { voice: 'pay.qrConfirm', qrKind: 'wechat' })],
  ['pay.cash', view('pay.cash', { secondsLeft: 45, voice: 'pay.cash', insertedFen: 5000, cashChange: false })],
  ['pay.cash stopping', view('pay.cash', { voice: 'pay.cashStopping', insertedFen: 5000 })],
  ['pay.card insertCard', view('pay.card', { posStage: 'insertCard' })],
  ['pay.card enterPin', view('pay.card', { posStage: 'enterPin' })],
  ['pay.card processing', view('pay.card', { posStage: 'processing' })],
  ['pay.declined', view('pay.declined', { secondsLeft: 45, problem: '余额不足' })],
  ['wait.settle', view('wait.settle')],
  ['print.receipt', view('print.receipt', { hisReceiptNo: 'SF20250301000123' })],
  ['print.receipt with a guide', view('print.receipt', { hisReceiptNo: 'SF20250301000123', guide })],
  ['pay.reversing', view('pay.reversing', { problem: 'bill already paid' })],
  ['print.slip refund', view('print.slip', { voice: 'print.slip' })],
  ['print.slip pending', view('print.slip', { voice: 'print.pending' })],
  ['pay.notPaid', view('pay.notPaid', { secondsLeft: 45, problem: 'central unreachable' })],
  ['card.ejecting', view('card.ejecting')],
  ['card.take', view('card.take', { secondsLeft: 30 })],
  ['card.captured', view('card.captured')],
  ['goodbye paid', view('goodbye', { paymentEnd: 'paid' })],
  ['goodbye refunded', view('goodbye', { paymentEnd: 'refunded' })],
  ['goodbye pending', view('goodbye', { paymentEnd: 'pending' })],
  ['goodbye notPaid', view('goodbye', { paymentEnd: 'notPaid' })],
  ['goodbye voucher', view('goodbye', { paymentEnd: 'voucher' })],
  ['goodbye ID card', view('goodbye', { paymentEnd: 'paid', credType: 'idCard' })],
  ['recovering', view('recovering')],
  ['menu', view('menu', { secondsLeft: 45, flows: ['bills', 'reports'] })],
  ['wait.reports', view('wait.reports')],
  ['reports.none', view('reports.none', { secondsLeft: 45 })],
  ['reports.list', view('reports.list', { secondsLeft: 45, reports: [{ reportId: 'R1', title: '血常规', deptName: '检验科', printable: true, printed: false }, { reportId: 'R2', title: '胸部正位片', deptName: '放射科', printable: false, printed: true }] })],
  ['reports.printing', view('reports.printing')],
  ['reports.done', view('reports.done', { secondsLeft: 45, printSummary: { printed: ['血常规'], failed: [{ title: '尿常规', reason: 'PAPER_OUT' }] } })],
  ['reports.problem', view('reports.problem', { secondsLeft: 45, problem: 'central is not reachable' })],
  ['attract out of service', view('attract', { serviceAvailable: false, outOfService: true })],
  ['staff.pin', view('staff.pin', { secondsLeft: 45, pinLength: 4, pinTries: 1 })],
  ['staff.menu', view('staff.menu', { secondsLeft: 45, staffId: 'S-007', staffResult: [{ note: 'printer', params: { status: 'ok, paper low' } }] })],
  ['staff.menu after clearing', view('staff.menu', { secondsLeft: 45, staffId: 'S-007', staffResult: [{ note: 'cashboxCleared', params: { amount: '800.00' } }, { note: 'countDiffers' }] })],
  ['staff.working', view('staff.working')],
  ['staff.cashbox', view('staff.cashbox', { secondsLeft: 45, cashbox: { units: [{ denomination: 5000, count: 2 }, { denomination: 10_000, count: 7 }], totalFen: 80_000 } })],
  ...flowCases,
];

/** Screens that show the amount of the payment. */
const showsAmount = new Set(['bills.list', 'bills.confirm', 'pay.method', 'pay.qr', 'pay.cash', 'pay.card', 'wait.settle', 'pay.reversing']);

function expectFits(screen: RenderedScreen): void {
  expect(screen.lines.length).toBeLessThanOrEqual(GRID.rows);
  for (const line of screen.lines) {
    expect(displayWidth(line), line).toBeLessThanOrEqual(GRID.columns);
    assertNoAmbiguous(line);
  }
  for (const b of screen.buttons) {
    expect(b.col + b.width).toBeLessThanOrEqual(GRID.columns);
    expect(b.row + b.height).toBeLessThanOrEqual(GRID.rows);
  }
  // Touch targets never overlap the header or each other (key-only bindings have no cells).
  const placed = screen.buttons.filter((b) => b.width > 0);
  for (const b of placed) expect(b.row, b.label).toBeGreaterThanOrEqual(2);
  for (const [i, a] of placed.entries()) {
    for (const b of placed.slice(i + 1)) {
      const apart = a.row + a.height <= b.row || b.row + b.height <= a.row || a.col + a.width <= b.col || b.col + b.width <= a.col;
      expect(apart, `${a.label} overlaps ${b.label}`).toBe(true);
    }
  }
}

describe('renderScreen at the minimum grid 66x19', () => {
  it('has a case for every screen id in the catalogue', () => {
    const covered = new Set(cases.map(([, v]) => v.screen));
    expect([...screenIds, ...Object.keys(flowBuilders)].filter((id) => !covered.has(id))).toEqual([]);
  });

  for (const language of languages) {
    describe(language, () => {
      for (const [name, v] of cases) {
        it(name, () => {
          const screen = renderScreen({ ...v, demoKeys: true }, { ...GRID, language });
          expectFits(screen);
          const text = screen.lines.join('\n');
          expect(screen.lines[0]).toContain('上海市第一人民医院');
          expect(screen.lines[0]).toContain('K-0001');
          if (showsAmount.has(v.screen)) expect(text).toContain('128.50');
          if (v.secondsLeft !== undefined) expect(text).toContain(language === 'zh' ? `剩余 ${v.secondsLeft} 秒` : `${v.secondsLeft} s left`);
          else expect(text).not.toMatch(/剩余|s left/);
          expect(text).toContain(language === 'zh' ? '呼叫工作人员' : 'Call staff');
          expect(screen.lines.at(-1)).toContain('F2');
        });
      }
    });
  }

  it('lists each bill with department, bill number and amount, and the total', () => {
    const { lines } = renderScreen(view('bills.list', { secondsLeft: 45 }), { ...GRID, language: 'zh' });
    const text = lines.join('\n');
    expect(text).toContain('王*');
    expect(text).toContain('MZ2025030100017');
    expect(text).toContain('88.50');
    expect(text).toContain('40.00');
    expect(text).toContain('合计: 128.50 元');
    // The long department name is cut, not wrapped.
    expect(text).toContain('心血管内科门诊');
    expect(text).not.toContain('国际医疗部');
  });

  it('shows where to go next while the receipt prints, and never pushes the printing line off', () => {
    for (const language of languages) {
      const next = language === 'zh' ? '下一步' : 'Next';
      const printing = language === 'zh' ? '正在打印凭条' : 'Printing your receipt';
      const text = renderScreen(view('print.receipt', { hisReceiptNo: 'SF20250301000123', guide, demoKeys: true }), { ...GRID, language }).lines.join('\n');
      for (const g of guide) expect(text).toContain(`${next}: ${g.what} - ${g.where}`);
      expect(text).toContain(printing);
      // More steps than the body holds: the first ones are shown (the receipt lists them all).
      const many = Array.from({ length: 12 }, (_, i) => ({ what: '检查', where: `第${i + 1}检查室` }));
      const crowded = renderScreen(view('print.receipt', { hisReceiptNo: 'SF20250301000123', guide: many, demoKeys: true }), { ...GRID, language });
      expectFits(crowded);
      const crowdedText = crowded.lines.join('\n');
      expect(crowdedText).toContain(`${next}: 检查 - 第1检查室`);
      expect(crowdedText).not.toContain('第12检查室');
      expect(crowdedText).toContain(printing);
    }
    const plain = renderScreen(view('print.receipt', { hisReceiptNo: 'SF20250301000123' }), { ...GRID, language: 'zh' }).lines.join('\n');
    expect(plain).not.toContain('下一步');
  });

  it('shows the first bills and how many more when they do not fit', () => {
    const many = Array.from({ length: 12 }, (_, i) => bill(`MZ${1000 + i}`, 1000 + i, `第${i + 1}诊室`));
    for (const language of languages) {
      const screen = renderScreen(view('bills.list', { bills: many, totalFen: undefined, demoKeys: true }), { ...GRID, language });
      expectFits(screen);
      const text = screen.lines.join('\n');
      const shown = many.filter((b) => text.includes(b.billNo)).length;
      expect(shown).toBeGreaterThan(0);
      expect(text).toContain(language === 'zh' ? `还有 ${many.length - shown} 项` : `${many.length - shown} more`);
      expect(text).toContain('120.66');
    }
  });

  it('offers the primary choice on 1, exit on 0, the language on 9 and staff on * everywhere', () => {
    const keys = (screen: string, extra: Partial<ScreenView> = {}) =>
      Object.fromEntries(renderScreen(view(screen, extra), { ...GRID, language: 'zh' }).buttons.map((b) => [b.key, b.event.type]));
    const staff = { '*': 'callStaff' };
    expect(keys('bills.list')).toEqual({ 1: 'pay', 0: 'cancel', 9: 'language', ...staff });
    expect(keys('bills.confirm')).toEqual({ 1: 'confirm', 0: 'cancel', 9: 'language', ...staff });
    expect(keys('pay.declined')).toEqual({ 1: 'retry', 0: 'cancel', 9: 'language', ...staff });
    for (const id of ['bills.none', 'card.problem', 'idcard.problem', 'service.problem', 'pay.notPaid']) expect(keys(id)).toEqual({ 1: 'confirm', 0: 'cancel', 9: 'language', ...staff });
    // Money in flight: nothing to cancel.
    for (const id of ['pay.card', 'wait.settle', 'pay.reversing', 'print.slip']) expect(keys(id)).toEqual({ 9: 'language', ...staff });
    expect(keys('recovering')).toEqual(staff);
  });

  it('offers each working payment method on its number key and says why one is missing', () => {
    const screen = renderScreen(view('pay.method', { payMethods: [{ method: 'card', offered: false, why: 'deviceDown' }, { method: 'cash', offered: true }] }), { ...GRID, language: 'zh' });
    expect(screen.buttons.filter((b) => b.event.type === 'method').map((b) => [b.key, b.label])).toEqual([['1', '现金']]);
    expect(screen.lines.join('\n')).toContain('银行卡暂不可用: 设备故障');
  });

  it('shows the cash still to pay, the no-change rule, and no cancel while the acceptor stops', () => {
    const feeding = renderScreen(view('pay.cash', { voice: 'pay.cash', insertedFen: 10_000, selfFen: 12_850 }), { ...GRID, language: 'zh' });
    const text = feeding.lines.join('\n');
    expect(text).toContain('已投入: 100.00 元');
    expect(text).toContain('还需投入: 28.50 元');
    expect(text).toContain('本机不找零');
    expect(feeding.buttons.map((b) => b.event.type)).toContain('cancel');
    const stopping = renderScreen(view('pay.cash', { voice: 'pay.cashStopping', insertedFen: 10_000 }), { ...GRID, language: 'zh' });
    expect(stopping.buttons.map((b) => b.event.type)).not.toContain('cancel');
  });

  it('shows a PIN only as stars, takes digits and Backspace as keys, and has no language key to steal the 9', () => {
    const screen = renderScreen(view('staff.pin', { pinLength: 5 }), { ...GRID, language: 'zh' });
    expect(screen.lines.join('\n')).toContain('[ *****___ ]');
    const keys = Object.fromEntries(screen.buttons.map((b) => [b.key, b.event]));
    expect(keys['9']).toEqual({ type: 'digit', digit: '9' });
    expect(keys.BACKSPACE).toEqual({ type: 'backspace' });
    expect(keys.ENTER).toEqual({ type: 'confirm' });
    // Digits are keys only: no cell of the screen is a digit's touch target.
    expect(screen.buttons.filter((b) => b.event.type === 'digit').every((b) => b.width === 0 && b.height === 0)).toBe(true);
  });

  it('lists the staff actions on number keys and the cash box against the journal', () => {
    const menu = renderScreen(view('staff.menu', { staffId: 'S-007' }), { ...GRID, language: 'zh' });
    expect(menu.lines.join('\n')).toContain('2 钱箱清点');
    expect(menu.buttons.find((b) => b.key === '2')?.event).toEqual({ type: 'staff.action', action: 'cashbox' });
    const box = renderScreen(view('staff.cashbox', { cashbox: { units: [{ denomination: 10_000, count: 7 }], totalFen: 70_000 } }), { ...GRID, language: 'zh' });
    expect(box.lines.join('\n')).toContain('100.00 x 7 = 700.00');
    expect(box.buttons.find((b) => b.key === '2')?.event).toEqual({ type: 'staff.counted', matches: false });
  });

  it('puts the call-staff target on the footer, where its text is, and says when staff were called', () => {
    const screen = renderScreen(view('bills.list'), { ...GRID, language: 'zh' });
    const target = screen.buttons.find((b) => b.key === '*')!;
    expect(screen.lines[target.row]).toContain('呼叫工作人员');
    expect(target.col + target.width).toBeLessThanOrEqual(GRID.columns);
    const called = renderScreen(view('bills.list', { staffCalled: true }), { ...GRID, language: 'en' });
    expect(called.lines.join('\n')).toContain('Staff are on their way');
  });

  it('says payment is unavailable on the attract screen when the service is down', () => {
    const text = renderScreen(view('attract', { serviceAvailable: false }), { ...GRID, language: 'zh' }).lines.join('\n');
    expect(text).toContain('请插入就诊卡');
    expect(text).toContain('缴费服务暂不可用');
    expect(text).toContain('暂无可用的支付方式');
    const paper = renderScreen(view('attract', { serviceAvailable: false, moneyBlocks: ['printerPaper', 'central'] }), { ...GRID, language: 'en' }).lines.join('\n');
    expect(paper).toContain('The receipt printer is out of paper');
  });

  it('offers no pay key on the bill list while money is off, and says why', () => {
    for (const language of languages) {
      const screen = renderScreen(view('bills.list', { serviceAvailable: false, moneyBlocks: ['central'], demoKeys: true }), { ...GRID, language });
      expectFits(screen);
      expect(screen.buttons.map((b) => b.event?.type)).not.toContain('pay');
      expect(screen.lines.join('\n')).toContain(language === 'zh' ? '暂时无法连接医院系统' : 'The hospital system cannot be reached');
    }
    const on = renderScreen(view('bills.list'), { ...GRID, language: 'zh' });
    expect(on.buttons.map((b) => b.event?.type)).toContain('pay');
  });

  it('draws outside text without ambiguous characters and cuts long names by display width', () => {
    const screen = renderScreen(
      view('pay.declined', { hospital: '中国医学科学院北京协和医院·东单院区—国际医疗部门诊自助服务中心', problem: '交易失败…请联系发卡行“95588”' }),
      { ...GRID, language: 'zh' },
    );
    expectFits(screen);
    expect(screen.lines.join('\n')).toContain('交易失败...请联系发卡行"95588"');
  });

  it('shows only a notice below the minimum grid', () => {
    const screen = renderScreen(view('bills.list'), { columns: 40, rows: 12, language: 'en' });
    expect(screen.lines).toHaveLength(1);
    expect(screen.lines[0]).toContain('terminal too small');
    expect(screen.buttons).toEqual([]);
  });

  it('lays out at a bigger terminal too', () => {
    const screen = renderScreen(view('bills.list', { secondsLeft: 9 }), { columns: 100, rows: 30, language: 'zh' });
    expect(screen.lines).toHaveLength(30);
    expect(Math.max(...screen.lines.map(displayWidth))).toBeLessThanOrEqual(100);
  });
});

describe('the string catalogue', () => {
  it('has no ambiguous-width character in either language', () => {
    const texts: Text[] = [
      ...Object.values(common),
      ...[strings, flowStrings].flatMap((catalogue) => Object.values(catalogue).flatMap((s) => Object.values(s))),
      ...Object.values(flowLabels),
      ...Object.values(staffNotes),
    ];
    for (const t of texts) {
      assertNoAmbiguous(t.zh);
      assertNoAmbiguous(t.en);
    }
  });

  it('the checker catches the characters DESIGN.md bans', () => {
    for (const ch of ['·', '—', '…', '→', '①', '─', '│', '■', '★', '“']) expect(() => assertNoAmbiguous(`a${ch}b`)).toThrow(/ambiguous/);
    expect(() => assertNoAmbiguous('请插入就诊卡, 谢谢。（确认）')).not.toThrow();
  });

  it('counts CJK as two columns', () => {
    expect(displayWidth('王*')).toBe(3);
    expect(displayWidth('缴费 Pay')).toBe(8);
  });
});
