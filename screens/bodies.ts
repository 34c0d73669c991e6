import { formatYuan } from '../contract/money.ts';
import { staffActions } from '../machines/maintenance.ts';
import type { Bill } from '../machines/types.ts';
import { flowBuilders, flowLabels } from './flows/index.ts';
import { blank, cancel, center, exit, lines, message, ok, pagedChoices, reason, yuan, type Body, type BodyArea, type BodyLine, type Builder, type ButtonSpec } from './parts.ts';
import { common, methodBlockText, moneyBlockText, say, staffNotes, strings, type Language, type ScreenId } from './strings.ts';
import type { ScreenView } from './view.ts';
import { displayWidth, padEnd, padStart, sanitize, truncate } from './width.ts';

export type { Body, BodyArea, BodyLine, ButtonSpec };

function isScreenId(screen: string): screen is ScreenId {
  return Object.hasOwn(strings, screen);
}

export function screenBody(view: ScreenView, area: BodyArea): Body {
  if (isScreenId(view.screen)) return builders[view.screen](view, area);
  const flowScreen = flowBuilders[view.screen];
  if (flowScreen) return flowScreen(view, area);
  return { lines: [center(say(common.pleaseWait, area.language))], buttons: [] };
}

function totalOf(view: ScreenView): number {
  return view.totalFen ?? (view.bills ?? []).reduce((sum, bill) => sum + bill.amountFen, 0);
}

const builders: Record<ScreenId, Builder> = {
  attract: (view, { language, width }) => ({
    lines: [
      ...lines(language, width, strings.attract.welcome),
      center(truncate(sanitize(view.hospital), width)),
      center(truncate(sanitize(view.location), width)),
      blank,
      ...lines(language, width, strings.attract.insertCard),
      ...(view.idCardReader ? lines(language, width, strings.attract.orIdCard) : []),
      ...(view.outOfService
        ? [blank, ...lines(language, width, strings.attract.outOfService)]
        : view.serviceAvailable
          ? []
          : [blank, ...lines(language, width, strings.attract.paymentUnavailable), ...whyNoMoney(view, language, width)]),
    ],
    buttons: [],
  }),
  'card.problem': (view, area) => ({
    lines: [...lines(area.language, area.width, strings['card.problem'].title), ...reason(view, area), blank, ...lines(area.language, area.width, strings['card.problem'].hint)],
    buttons: [ok(area.language), exit(area.language)],
  }),
  'idcard.problem': (view, area) => ({
    lines: [...lines(area.language, area.width, strings['idcard.problem'].title), ...reason(view, area), blank, ...lines(area.language, area.width, strings['idcard.problem'].hint)],
    buttons: [ok(area.language), exit(area.language)],
  }),
  menu: (view, { language, width }) => {
    const s = strings.menu;
    const flows = view.flows ?? ['bills'];
    // A choice names its flow: the session starts it without looking an index up.
    const page = pagedChoices(flows, view.menuPage ?? 0, { label: (flow) => say(flow === 'bills' ? s.bills : flowLabels[flow], language), language, columns: 3, event: (flow) => ({ type: 'flow', flow }) });
    return {
      lines: [center(truncate(say(s.patient, language, { name: sanitize(view.nameMasked ?? '') }), width)), ...lines(language, width, s.title), ...page.pageLine],
      choices: page.choices,
      buttons: [...page.pageButtons, exit(language)],
    };
  },
  'wait.reports': message(strings['wait.reports'].title),
  'reports.none': (_view, { language, width }) => ({ lines: lines(language, width, strings['reports.none'].title), buttons: [ok(language)] }),
  'reports.list': (view, { language, width, height }) => {
    const s = strings['reports.list'];
    const reports = view.reports ?? [];
    const room = Math.max(1, height - 3);
    const rows = reports.slice(0, room).map((r): BodyLine => {
      const state = say(r.printable ? s.ready : r.printed ? s.printed : s.pending, language);
      const left = truncate(sanitize(`${r.title}  ${r.deptName}`), width - displayWidth(state) - 2);
      return { text: padEnd(left, width - displayWidth(state)) + state, align: 'left' };
    });
    const anyPrintable = reports.some((r) => r.printable);
    return {
      lines: [...lines(language, width, s.title), ...rows, ...(reports.some((r) => r.printed) ? lines(language, width, s.reprint) : [])],
      buttons: anyPrintable ? [{ key: '1', label: say(s.print, language), event: { type: 'confirm' } }, exit(language)] : [exit(language)],
    };
  },
  'reports.printing': message(strings['reports.printing'].title),
  'reports.done': (view, { language, width }) => {
    const s = strings['reports.done'];
    const summary = view.printSummary ?? { printed: [], failed: [] };
    return {
      lines: [
        ...(summary.printed.length ? lines(language, width, { zh: say(s.printed, 'zh', { n: summary.printed.length }), en: say(s.printed, 'en', { n: summary.printed.length }) }) : []),
        ...summary.failed.map((f) => center(truncate(say(s.failed, language, { title: sanitize(f.title), reason: sanitize(f.reason) }), width))),
        ...(summary.failed.length ? [blank, ...lines(language, width, s.help)] : []),
      ],
      buttons: [ok(language)],
    };
  },
  'reports.problem': (view, area) => ({
    lines: [...lines(area.language, area.width, strings['reports.problem'].title), ...reason(view, area), blank, ...lines(area.language, area.width, common.goCounter)],
    buttons: [ok(area.language)],
  }),
  'wait.identify': message(strings['wait.identify'].title),
  'wait.bills': message(strings['wait.bills'].title),
  'bills.list': billsList,
  'bills.none': (_view, { language, width }) => ({
    lines: lines(language, width, strings['bills.none'].title),
    buttons: [ok(language), exit(language)],
  }),
  'service.problem': (view, area) => ({
    lines: [...lines(area.language, area.width, strings['service.problem'].title), ...reason(view, area), blank, ...lines(area.language, area.width, strings['service.problem'].hint)],
    buttons: [ok(area.language), exit(area.language)],
  }),
  'bills.confirm': (view, { language, width }) => {
    const s = strings['bills.confirm'];
    return {
      lines: [
        ...lines(language, width, s.title),
        blank,
        center(say(common.amountDue, language, { amount: yuan(totalOf(view), language) })),
        blank,
        ...lines(language, width, view.insuranceOffered ? s.insuranceHint : s.hint),
      ],
      buttons: view.insuranceOffered
        ? [{ key: '1', label: say(s.selfPay, language), event: { type: 'confirm' } }, { key: '2', label: say(s.insurance, language), event: { type: 'insurance' } }, cancel(language)]
        : [{ key: '1', label: say(s.confirm, language), event: { type: 'confirm' } }, cancel(language)],
    };
  },
  'insurance.scan': (_view, { language, width }) => ({
    lines: lines(language, width, strings['insurance.scan'].title, strings['insurance.scan'].hint),
    buttons: [{ key: '0', label: say(common.back, language), event: { type: 'cancel' } }],
  }),
  'bills.split': (view, { language }) => {
    const s = strings['bills.split'];
    const amount = (fen: number | undefined) => ({ amount: yuan(fen ?? 0, language) });
    return {
      lines: [
        center(say(s.title, language)),
        blank,
        center(say(s.total, language, amount(totalOf(view)))),
        center(say(s.fund, language, amount(view.fundFen))),
        center(say(s.acct, language, amount(view.acctFen))),
        center(say(s.self, language, amount(view.selfFen))),
      ],
      buttons: [{ key: '1', label: say(s.pay, language), event: { type: 'confirm' } }, cancel(language)],
    };
  },
  'wait.central': message(strings['wait.central'].title),
  'pay.method': (view, { language, width }) => {
    const s = strings['pay.method'];
    const offered = (view.payMethods ?? []).filter((m) => m.offered);
    const missing = (view.payMethods ?? []).filter((m) => !m.offered && m.why !== 'notConfigured');
    return {
      lines: [
        center(say(common.amountDue, language, { amount: yuan(view.selfFen ?? totalOf(view), language) })),
        blank,
        ...lines(language, width, s.title),
        ...missing.flatMap((m) => [center(truncate(say(s.missing, language, { method: say(s[m.method], language), why: say(methodBlockText[m.why ?? 'deviceDown'], language) }), width))]),
      ],
      buttons: [...offered.map((m, i): ButtonSpec => ({ key: String(i + 1), label: say(s[m.method], language), event: { type: 'method', method: m.method } })), cancel(language)],
    };
  },
  'pay.qr': (view, { language, width }) => {
    const s = strings['pay.qr'];
    const confirming = view.voice === 'pay.qrConfirm';
    return {
      lines: [
        center(say(common.amountDue, language, { amount: yuan(view.selfFen ?? totalOf(view), language) })),
        blank,
        ...(confirming && view.qrKind ? [center(say(s[view.qrKind], language))] : []),
        ...lines(language, width, confirming ? s.confirm : s.show),
      ],
      // Once the code is with central, money may be moving: nothing to cancel until it answers.
      buttons: confirming ? [] : [cancel(language)],
    };
  },
  'pay.cash': (view, { language, width }) => {
    const s = strings['pay.cash'];
    const due = view.selfFen ?? totalOf(view);
    const inserted = view.insertedFen ?? 0;
    const stopping = view.voice === 'pay.cashStopping';
    return {
      lines: [
        center(say(common.amountDue, language, { amount: yuan(due, language) })),
        center(say(s.inserted, language, { amount: yuan(inserted, language) })),
        center(say(s.remaining, language, { amount: yuan(Math.max(0, due - inserted), language) })),
        blank,
        ...lines(language, width, stopping ? s.stopping : s.insert),
        ...(stopping ? [] : lines(language, width, view.cashChange ? s.changeVoucher : s.noChange)),
      ],
      // Stopping is system-wait: the acceptor must finish with the note inside before anything else.
      buttons: stopping ? [] : [cancel(language)],
    };
  },
  'pay.card': (view, { language, width }) => ({
    lines: [
      center(say(common.amountDue, language, { amount: yuan(view.selfFen ?? totalOf(view), language) })),
      blank,
      ...lines(language, width, strings['pay.card'][view.posStage ?? 'insertCard']),
    ],
    buttons: [],
  }),
  'pay.declined': (view, area) => ({
    lines: [...lines(area.language, area.width, strings['pay.declined'].title), ...reason(view, area)],
    buttons: [{ key: '1', label: say(strings['pay.declined'].retry, area.language), event: { type: 'retry' } }, cancel(area.language)],
  }),
  'wait.settle': (view, { language, width }) => ({
    lines: [
      ...lines(language, width, strings['wait.settle'].title),
      center(yuan(view.selfFen ?? totalOf(view), language)),
      blank,
      ...lines(language, width, strings['wait.settle'].stay),
    ],
    buttons: [],
  }),
  'print.receipt': (view, { language, width, height }) => {
    const head = [
      ...lines(language, width, strings['print.receipt'].title),
      ...(view.hisReceiptNo === undefined ? [] : [center(truncate(say(strings['print.receipt'].receiptNo, language, { no: sanitize(view.hisReceiptNo) }), width))]),
      blank,
    ];
    const printing = lines(language, width, strings['print.receipt'].printing);
    // Where to go next, while the receipt (which lists it too) prints; as many steps as the body holds.
    const room = height - head.length - printing.length - 1;
    const guide = (view.guide ?? []).slice(0, Math.max(0, room)).map((g) => center(truncate(say(strings['print.receipt'].guide, language, { what: sanitize(g.what), where: sanitize(g.where) }), width)));
    return { lines: [...head, ...(guide.length ? [...guide, blank] : []), ...printing], buttons: [] };
  },
  'pay.reversing': (view, { language, width }) => ({
    lines: [
      ...lines(language, width, strings['pay.reversing'].title),
      center(yuan(view.selfFen ?? totalOf(view), language)),
      blank,
      ...lines(language, width, strings['pay.reversing'].hint),
    ],
    buttons: [],
  }),
  // One screen id, two endings: the machine tells them apart by the voice prompt it plays.
  'print.slip': (view, { language, width }) => ({
    lines: view.voice === 'print.pending'
      ? lines(language, width, strings['print.slip'].pending, strings['print.slip'].pendingHint)
      : lines(language, width, strings['print.slip'].refund),
    buttons: [],
  }),
  'pay.notPaid': (view, area) => ({
    lines: [...lines(area.language, area.width, strings['pay.notPaid'].title), ...reason(view, area), blank, ...lines(area.language, area.width, common.goCounter)],
    buttons: [ok(area.language), exit(area.language)],
  }),
  'card.ejecting': message(strings['card.ejecting'].title),
  'card.take': message(strings['card.take'].title),
  'card.captured': message(strings['card.captured'].title, strings['card.captured'].hint),
  goodbye: (view, { language, width }) => ({
    lines: [
      ...(view.paymentEnd === undefined ? [] : [...lines(language, width, strings.goodbye[view.paymentEnd]), blank]),
      ...(view.credType === 'idCard' ? [...lines(language, width, strings.goodbye.takeIdCard), blank] : []),
      ...lines(language, width, strings.goodbye.thanks),
    ],
    buttons: [],
  }),
  recovering: message(strings.recovering.title),
  'staff.pin': (view, { language, width }) => {
    const s = strings['staff.pin'];
    const digits = view.pinLength ?? 0;
    return {
      lines: [
        ...lines(language, width, s.title),
        blank,
        center(`[ ${'*'.repeat(digits).padEnd(8, '_')} ]`),
        blank,
        ...lines(language, width, s.hint),
        ...(view.pinTries ? [center(say(s.wrong, language, { n: Math.max(0, 3 - view.pinTries) }))] : []),
      ],
      buttons: [
        { key: 'ENTER', label: say(s.confirm, language), event: { type: 'confirm' } },
        { key: 'ESCAPE', label: say(common.cancel, language), event: { type: 'cancel' } },
      ],
      keys: [...[...'0123456789'].map((d): ButtonSpec => ({ key: d, label: d, event: { type: 'digit', digit: d } })), { key: 'BACKSPACE', label: '<-', event: { type: 'backspace' } }],
    };
  },
  'staff.menu': (view, { language, width }) => {
    const s = strings['staff.menu'];
    const items = staffActions.map((a, i) => `${i + 1} ${say(s[a], language)}`);
    const half = Math.ceil(items.length / 2);
    const colWidth = Math.floor(width / 2);
    return {
      lines: [
        center(say(s.title, language, { id: sanitize(view.staffId ?? '') })),
        center(say(view.outOfService ? s.outOfService : s.inService, language)),
        blank,
        ...items.slice(0, half).map((left, i): BodyLine => ({ text: padEnd(truncate(left, colWidth - 1), colWidth) + truncate(items[half + i] ?? '', colWidth - 1), align: 'left' })),
        ...(view.staffResult?.length ? [blank, center(truncate(sanitize(view.staffResult.map((n) => say(staffNotes[n.note], language, n.params)).join('; ')), width))] : ([] as BodyLine[])),
      ],
      buttons: [{ key: '0', label: say(s.logout, language), event: { type: 'cancel' } }],
      keys: staffActions.map((action, i) => ({ key: String(i + 1), label: action, event: { type: 'staff.action', action } })),
    };
  },
  'staff.working': message(strings['staff.working'].title),
  'staff.cashbox': (view, { language, width }) => {
    const s = strings['staff.cashbox'];
    const count = view.cashbox ?? { units: [], totalFen: 0 };
    return {
      lines: [
        ...lines(language, width, s.title),
        ...count.units.map((u) => center(`${formatYuan(u.denomination)} x ${u.count} = ${formatYuan(u.denomination * u.count)}`)),
        center(say(s.total, language, { amount: yuan(count.totalFen, language) })),
        blank,
        ...lines(language, width, s.hint),
      ],
      buttons: [
        { key: '1', label: say(s.matches, language), event: { type: 'staff.counted', matches: true } },
        { key: '2', label: say(s.differs, language), event: { type: 'staff.counted', matches: false } },
        { key: '0', label: say(s.back, language), event: { type: 'cancel' } },
      ],
    };
  },
};

/** Rows for as many bills as fit, then "K more"; the total always shows. */
function billsList(view: ScreenView, { language, width, height }: BodyArea): Body {
  const s = strings['bills.list'];
  const bills = view.bills ?? [];
  const name = say(s.patient, language, { name: sanitize(view.nameMasked ?? '') });
  const count = say(s.count, language, { n: bills.length });
  const patientLine = truncate(name, width - displayWidth(count) - 2);
  // Patient line, column heads and total take three rows (four with the reason money is off).
  const room = Math.max(1, height - 3 - (view.serviceAvailable ? 0 : 1));
  const shown = bills.length <= room ? bills : bills.slice(0, room - 1);
  const table = billTable(shown, width, language);
  return {
    lines: [
      { text: padEnd(patientLine, width - displayWidth(count)) + count, align: 'left' },
      ...table.map((text): BodyLine => ({ text, align: 'left' })),
      ...(shown.length < bills.length ? [center(say(s.more, language, { n: bills.length - shown.length }))] : []),
      { text: padStart(say(s.total, language, { amount: yuan(totalOf(view), language) }), width), align: 'left' },
      ...(view.serviceAvailable ? [] : whyNoMoney(view, language, width)),
    ],
    buttons: view.serviceAvailable ? [{ key: '1', label: say(s.pay, language), event: { type: 'pay' } }, exit(language)] : [exit(language)],
  };
}

/** The first reason payment is off, or a generic one when every method is down. */
function whyNoMoney(view: ScreenView, language: Language, width: number): BodyLine[] {
  const block = view.moneyBlocks?.[0];
  return lines(language, width, block ? moneyBlockText[block] : moneyBlockText.noMethod);
}

const GAP = '  ';
// Bill numbers are short codes; a longer one is cut rather than squeezing the department.
const MAX_BILL_NO = 16;

function billTable(bills: Bill[], width: number, language: Language): string[] {
  const s = strings['bills.list'];
  const heads = { department: say(s.department, language), billNo: say(s.billNo, language), amount: say(s.amount, language) };
  const amounts = bills.map((b) => formatYuan(b.amountFen));
  const amountWidth = Math.max(displayWidth(heads.amount), ...amounts.map(displayWidth));
  const noWidth = Math.min(MAX_BILL_NO, Math.max(displayWidth(heads.billNo), ...bills.map((b) => displayWidth(sanitize(b.billNo)))));
  const departmentWidth = width - amountWidth - noWidth - 2 * GAP.length;
  const row = (department: string, billNo: string, amount: string): string =>
    padEnd(truncate(department, departmentWidth), departmentWidth) + GAP + padEnd(truncate(billNo, noWidth), noWidth) + GAP + padStart(amount, amountWidth);
  return [
    row(heads.department, heads.billNo, heads.amount),
    ...bills.map((b, i) => row(sanitize(b.department), sanitize(b.billNo), amounts[i] ?? '')),
  ];
}
