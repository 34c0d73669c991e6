import type { MethodBlock, MoneyBlock } from '../contract/fleet.ts';
import type { StaffNoteId } from '../machines/maintenance.ts';
/**
 * Every word the kiosk draws, in Simplified Chinese and English, keyed by the screen id the
 * machines put in `meta`. `{name}` marks a value filled in at render time. A test rejects any
 * East-Asian-ambiguous character here, so punctuation stays ASCII or full-width.
 */

export type Language = 'zh' | 'en';

export interface Text {
  zh: string;
  en: string;
}

export const common = {
  kiosk: { zh: '终端 {id}', en: 'Kiosk {id}' },
  secondsLeft: { zh: '剩余 {n} 秒', en: '{n} s left' },
  callStaff: { zh: '[*] 呼叫工作人员', en: '[*] Call staff' },
  home: { zh: '[#] 首页', en: '[#] Home' },
  staffCalled: { zh: '已呼叫工作人员, 请稍候', en: 'Staff are on their way' },
  // The toggle names the language it switches to, written in that language.
  language: { zh: 'English', en: '中文' },
  ok: { zh: '确定', en: 'OK' },
  exit: { zh: '退出', en: 'Exit' },
  cancel: { zh: '取消', en: 'Cancel' },
  yuan: { zh: '{amount} 元', en: '{amount} yuan' },
  amountDue: { zh: '应付金额: {amount}', en: 'Amount due: {amount}' },
  reason: { zh: '原因: {text}', en: 'Reason: {text}' },
  goCounter: { zh: '如需帮助, 请到人工窗口', en: 'For help, please go to a staffed counter' },
  demo: {
    // 76 columns: a demo terminal of 80 shows it whole; the 66-column minimum cuts the last keys.
    zh: '演示 F2插卡 F3准 F4拒 F5取卡 F6/7身份证 F8投币 F9付款码 F10医保码 F11新患者',
    en: 'Demo F2 card F3 ok F4 no F5 take F6/7 ID F8 note F9 QR F10 insured F11 new',
  },
  tooSmall: { zh: '终端窗口太小 / terminal too small ({columns}x{rows})', en: 'terminal too small ({columns}x{rows})' },
  pleaseWait: { zh: '请稍候', en: 'Please wait' },
  previous: { zh: '上一页', en: 'Previous' },
  next: { zh: '下一页', en: 'Next' },
  page: { zh: '第 {n}/{of} 页', en: 'Page {n} of {of}' },
  back: { zh: '返回', en: 'Back' },
} satisfies Record<string, Text>;

export const strings = {
  attract: {
    welcome: { zh: '欢迎使用自助服务', en: 'Welcome to self-service' },
    insertCard: { zh: '请插入就诊卡', en: 'Please insert your patient card' },
    orIdCard: { zh: '或将身份证放在感应区', en: 'or place your ID card on the reader' },
    paymentUnavailable: { zh: '缴费服务暂不可用, 请到人工窗口', en: 'Payment is not available now. Please go to a staffed counter' },
    outOfService: { zh: '本机维护中, 暂停服务, 请到人工窗口', en: 'This kiosk is being serviced. Please go to a staffed counter' },
  },
  'card.problem': {
    title: { zh: '无法读取就诊卡', en: 'Your card could not be read' },
    hint: { zh: '请取回就诊卡后重试, 或到人工窗口', en: 'Please take your card and try again, or go to a staffed counter' },
  },
  'idcard.problem': {
    title: { zh: '无法读取身份证', en: 'Your ID card could not be read' },
    hint: { zh: '请取走身份证, 稍后重新放置, 或到人工窗口', en: 'Please lift your ID card and place it again, or go to a staffed counter' },
  },
  menu: {
    patient: { zh: '患者: {name}', en: 'Patient: {name}' },
    title: { zh: '请选择服务', en: 'What would you like to do?' },
    bills: { zh: '门诊缴费', en: 'Pay bills' },
    reports: { zh: '打印报告', en: 'Print reports' },
  },
  'wait.reports': {
    title: { zh: '正在查询您的检验检查报告, 请稍候', en: 'Looking up your reports, please wait' },
  },
  'reports.none': {
    title: { zh: '暂无可打印的报告', en: 'No reports are ready to print' },
  },
  'reports.list': {
    title: { zh: '您的报告', en: 'Your reports' },
    ready: { zh: '可打印', en: 'ready' },
    printed: { zh: '已打印', en: 'printed' },
    pending: { zh: '未出报告', en: 'not ready' },
    print: { zh: '打印全部', en: 'Print all' },
    reprint: { zh: '已打印的报告请到人工窗口补打', en: 'A printed report is reprinted at a staffed counter' },
  },
  'reports.printing': {
    title: { zh: '正在打印报告, 请稍候, 请勿离开', en: 'Printing your reports, please wait here' },
  },
  'reports.done': {
    printed: { zh: '已打印 {n} 份报告, 请在下方出纸口取走', en: '{n} report(s) printed: please take them from the tray below' },
    failed: { zh: '{title}: 未能打印 ({reason})', en: '{title}: not printed ({reason})' },
    help: { zh: '未打印的报告可稍后重试, 或到人工窗口', en: 'Try the others again later, or go to a staffed counter' },
  },
  'reports.problem': {
    title: { zh: '暂时无法查询或打印报告', en: 'Reports cannot be looked up or printed now' },
  },
  'wait.identify': {
    title: { zh: '正在查询您的信息, 请稍候', en: 'Looking up your record, please wait' },
  },
  'wait.bills': {
    title: { zh: '正在查询待缴费用, 请稍候', en: 'Looking up your bills, please wait' },
  },
  'bills.list': {
    patient: { zh: '患者: {name}', en: 'Patient: {name}' },
    count: { zh: '待缴费用 {n} 项', en: '{n} bills to pay' },
    department: { zh: '科室', en: 'Department' },
    billNo: { zh: '单号', en: 'Bill no' },
    amount: { zh: '金额(元)', en: 'Yuan' },
    more: { zh: '还有 {n} 项', en: '{n} more' },
    total: { zh: '合计: {amount}', en: 'Total: {amount}' },
    pay: { zh: '缴费', en: 'Pay' },
  },
  'bills.none': {
    title: { zh: '您没有待缴费用', en: 'You have no bills to pay' },
  },
  'service.problem': {
    title: { zh: '服务暂时不可用', en: 'The service is not available now' },
    hint: { zh: '请稍后再试, 或到人工窗口', en: 'Please try later, or go to a staffed counter' },
  },
  'bills.confirm': {
    title: { zh: '请确认缴费', en: 'Please confirm the payment' },
    hint: { zh: '按 1 确认缴费, 按 0 取消', en: 'Press 1 to pay, 0 to cancel' },
    confirm: { zh: '确认缴费', en: 'Pay now' },
    selfPay: { zh: '自费缴费', en: 'Pay myself' },
    insurance: { zh: '医保结算', en: 'Use insurance' },
    insuranceHint: { zh: '按 1 自费缴费, 按 2 医保结算, 按 0 取消', en: 'Press 1 to pay yourself, 2 to use medical insurance, 0 to cancel' },
  },
  'insurance.scan': {
    title: { zh: '请出示医保电子凭证', en: 'Show your medical insurance e-voucher' },
    hint: { zh: '打开微信或支付宝中的医保码, 对准扫码口', en: 'Open the insurance code in WeChat or Alipay and hold it to the scanner' },
  },
  'bills.split': {
    title: { zh: '医保预结算结果', en: 'What insurance pays' },
    total: { zh: '费用总额: {amount}', en: 'Total: {amount}' },
    fund: { zh: '医保统筹支付: {amount}', en: 'Insurance fund pays: {amount}' },
    acct: { zh: '个人账户支付: {amount}', en: 'Personal account pays: {amount}' },
    self: { zh: '个人自付: {amount}', en: 'You pay: {amount}' },
    pay: { zh: '确认结算', en: 'Settle' },
  },
  'wait.central': {
    title: { zh: '正在与医院核对费用, 请稍候', en: 'Checking with the hospital, please wait' },
  },
  'pay.method': {
    title: { zh: '请选择支付方式', en: 'How would you like to pay?' },
    card: { zh: '银行卡', en: 'Bank card' },
    cash: { zh: '现金', en: 'Cash' },
    qr: { zh: '微信/支付宝', en: 'WeChat/Alipay' },
    missing: { zh: '{method}暂不可用: {why}', en: '{method} is not available: {why}' },
  },
  'pay.qr': {
    show: { zh: '请打开微信或支付宝付款码, 对准扫码口', en: 'Open the payment code in WeChat or Alipay and hold it to the scanner' },
    confirm: { zh: '请在手机上确认支付', en: 'Please confirm the payment on your phone' },
    wechat: { zh: '微信', en: 'WeChat' },
    alipay: { zh: '支付宝', en: 'Alipay' },
  },
  'pay.cash': {
    insert: { zh: '请投入纸币 (1/5/10/20/50/100 元)', en: 'Insert notes (1, 5, 10, 20, 50 or 100 yuan)' },
    inserted: { zh: '已投入: {amount}', en: 'Inserted: {amount}' },
    remaining: { zh: '还需投入: {amount}', en: 'Still to pay: {amount}' },
    noChange: { zh: '本机不找零, 超出应付金额的纸币将退回', en: 'No change is given: a note that pays too much comes back' },
    changeVoucher: { zh: '多投部分打印找零凭证, 到人工窗口领取', en: 'Any overpayment is owed on a voucher, paid at a staffed counter' },
    stopping: { zh: '正在停止收款, 请勿再投入纸币', en: 'Stopping, please insert no more notes' },
  },
  'pay.card': {
    insertCard: { zh: '请在银行卡终端插卡或挥卡', en: 'Insert or tap your bank card at the card terminal' },
    enterPin: { zh: '请在密码键盘输入密码', en: 'Enter your PIN on the PIN pad' },
    processing: { zh: '正在处理, 请稍候', en: 'Processing, please wait' },
  },
  'pay.declined': {
    title: { zh: '银行卡支付未成功', en: 'The card payment did not go through' },
    retry: { zh: '重试', en: 'Retry' },
  },
  'wait.settle': {
    title: { zh: '正在缴费, 请稍候', en: 'Completing the payment, please wait' },
    stay: { zh: '请勿离开', en: 'Please do not leave' },
  },
  'print.receipt': {
    title: { zh: '缴费成功', en: 'Payment successful' },
    printing: { zh: '正在打印凭条, 请稍候', en: 'Printing your receipt, please wait' },
    receiptNo: { zh: '收据号: {no}', en: 'Receipt no: {no}' },
    /** One step of the HIS's "what next" guide; what and where are the HIS's words. */
    guide: { zh: '下一步: {what} - {where}', en: 'Next: {what} - {where}' },
  },
  'pay.reversing': {
    title: { zh: '医院未能入账, 正在撤销扣款', en: 'The hospital could not record the payment' },
    hint: { zh: '请稍候, 请勿离开', en: 'Reversing the card charge, please wait' },
  },
  'print.slip': {
    refund: { zh: '扣款已撤销, 正在打印凭条', en: 'The charge was reversed. Printing your slip' },
    pending: { zh: '交易待确认, 正在打印凭条', en: 'The payment is not confirmed yet. Printing your slip' },
    pendingHint: { zh: '请凭凭条到人工窗口', en: 'Please take the slip to a staffed counter' },
  },
  'pay.notPaid': {
    title: { zh: '未能缴费, 本次未扣款', en: 'Not paid. Nothing was charged' },
  },
  'card.ejecting': {
    title: { zh: '正在退出就诊卡, 请稍候', en: 'Returning your card, please wait' },
  },
  'card.take': {
    title: { zh: '请取走您的就诊卡', en: 'Please take your patient card' },
  },
  'card.captured': {
    title: { zh: '就诊卡已被回收', en: 'Your card was kept by the kiosk' },
    hint: { zh: '请到人工窗口领取', en: 'Please collect it at a staffed counter' },
  },
  goodbye: {
    paid: { zh: '缴费成功, 请取走凭条', en: 'Payment successful. Please take your receipt' },
    refunded: { zh: '扣款已撤销, 请取走凭条', en: 'The charge was reversed. Please take your slip' },
    pending: { zh: '请凭凭条到人工窗口', en: 'Please take the slip to a staffed counter' },
    notPaid: { zh: '本次未缴费', en: 'Nothing was paid' },
    voucher: { zh: '未缴费, 请凭退款凭证到人工窗口领取现金', en: 'Not paid. Take the voucher to a staffed counter for your cash' },
    takeIdCard: { zh: '请取走您的身份证', en: 'Please take your ID card' },
    thanks: { zh: '谢谢使用, 再见', en: 'Thank you, goodbye' },
  },
  'staff.pin': {
    title: { zh: '工作人员登录, 请输入密码', en: 'Staff login: enter your PIN' },
    hint: { zh: '数字键输入, 退格删除, 回车确认', en: 'Digits to type, Backspace to correct, Enter to confirm' },
    wrong: { zh: '密码错误, 还可尝试 {n} 次', en: 'Wrong PIN, {n} tries left' },
    confirm: { zh: '确认', en: 'Enter' },
  },
  'staff.menu': {
    title: { zh: '维护模式  工作人员 {id}', en: 'Maintenance  staff {id}' },
    inService: { zh: '本机正在服务', en: 'In service' },
    outOfService: { zh: '本机已暂停服务', en: 'Out of service' },
    service: { zh: '暂停/恢复服务', en: 'Service off/on' },
    cashbox: { zh: '钱箱清点', en: 'Clear cash box' },
    paper: { zh: '更换打印纸', en: 'Paper refilled' },
    cards: { zh: '补充就诊卡', en: 'Cards refilled' },
    bin: { zh: '清空回收箱', en: 'Bin emptied' },
    reprint: { zh: '补打凭条', en: 'Reprint receipt' },
    selftest: { zh: '设备自检', en: 'Self-test' },
    logout: { zh: '退出', en: 'Log out' },
  },
  'staff.working': {
    title: { zh: '正在处理, 请稍候', en: 'Working, please wait' },
  },
  'staff.cashbox': {
    title: { zh: '钱箱记录 (自上次清点)', en: 'Cash box by the journal (since the last clearing)' },
    total: { zh: '合计: {amount}', en: 'Total: {amount}' },
    hint: { zh: '取出钱箱清点后选择: 与记录一致 / 不一致', en: 'Take the box out, count it, then say whether it matches' },
    matches: { zh: '一致', en: 'Matches' },
    differs: { zh: '不一致', en: 'Differs' },
    back: { zh: '返回', en: 'Back' },
  },
  recovering: {
    title: { zh: '正在恢复上次未完成的交易, 请稍候', en: 'Finishing the last unfinished transaction, please wait' },
  },
} satisfies Record<string, Record<string, Text>>;

/** What a staff action did (machines/maintenance.ts `StaffNote`); device statuses stay in the status vocabulary (ok, offline, low). */
export const staffNotes = {
  outOfService: { zh: '已暂停服务, 患者不能缴费', en: 'Out of service: patients cannot pay' },
  inService: { zh: '已恢复服务', en: 'Back in service' },
  printer: { zh: '凭条打印机: {status}', en: 'Receipt printer: {status}' },
  stacker: { zh: '发卡箱: {status}', en: 'Card stacker: {status}' },
  bin: { zh: '回收箱: {status}', en: 'Capture bin: {status}' },
  noReceipt: { zh: '没有可补打的凭条', en: 'No paid transaction to reprint' },
  reprinted: { zh: '已补打 {txnId}', en: 'Reprinted {txnId}' },
  reprintFailed: { zh: '打印机无法打印', en: 'The printer could not print' },
  selftest: { zh: '自检: {devices}', en: 'Self-test: {devices}' },
  cashboxCleared: { zh: '钱箱已清点: {amount} 元', en: 'Cash box cleared: {amount} yuan' },
  countDiffers: { zh: '清点不一致, 已上报', en: 'the count differs: reported' },
  slipNotPrinted: { zh: '清点单未打印', en: 'the slip was not printed' },
  failed: { zh: '未完成: {reason}', en: 'Not done: {reason}' },
} satisfies Record<StaffNoteId, Text>;

/** Why payment is off, one line each (DESIGN.md §5). */
export const moneyBlockText = {
  central: { zh: '暂时无法连接医院系统', en: 'The hospital system cannot be reached' },
  printerPaper: { zh: '凭条打印机缺纸', en: 'The receipt printer is out of paper' },
  printer: { zh: '凭条打印机故障', en: 'The receipt printer is not working' },
  maintenance: { zh: '本机正在维护', en: 'This kiosk is under maintenance' },
  noMethod: { zh: '暂无可用的支付方式', en: 'No way to pay is working right now' },
} satisfies Record<MoneyBlock | 'noMethod', Text>;

/** Why one payment method is missing while others work. */
export const methodBlockText = {
  deviceDown: { zh: '设备故障', en: 'the device is out of order' },
  cashboxFull: { zh: '钱箱已满', en: 'the cash box is full' },
  notConfigured: { zh: '本机不提供', en: 'not offered here' },
} satisfies Record<MethodBlock, Text>;

export type ScreenId = keyof typeof strings;

export const screenIds = Object.keys(strings) as ScreenId[];

/** Picks the language and fills `{name}` placeholders. */
export function say(text: Text, language: Language, params: Readonly<Record<string, string | number>> = {}): string {
  return text[language].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
