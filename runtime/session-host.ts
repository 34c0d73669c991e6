import { createActor, fromPromise, type AnyActorRef, type AnyMachineSnapshot } from 'xstate';
import type { BillListResult, GuideStep, IdentifyResult, PayResult } from '../contract/rpc.ts';
import { scaled } from '../contract/time-scale.ts';
import type { CardDispenser } from '../drivers/card/driver.ts';
import type { IdCardReader } from '../drivers/idcard/driver.ts';
import type { QrScanner } from '../drivers/scanner/driver.ts';
import { billPaymentMachine, type BillPaymentContext } from '../machines/billPayment.ts';
import { flowNames, type Flow } from '../machines/flows.ts';
import { maintenanceMachine, type MaintenanceContext } from '../machines/maintenance.ts';
import type { PaymentContext } from '../machines/payment.ts';
import type { ReportsContext } from '../machines/reports.ts';
import { sessionMachine } from '../machines/session.ts';
import type { PayMethod, ScreenMeta } from '../machines/types.ts';
import type { ScreenEvent, ScreenView } from '../screens/view.ts';
import type { CashSteps } from './cash-steps.ts';
import type { QrSteps } from './qr-steps.ts';
import type { ReportSteps } from './report-steps.ts';
import type { KioskConfig } from './config.ts';
import type { CardMoves } from './card-moves.ts';
import { alarmCondition } from './alarms.ts';
import type { FleetAgent } from './fleet.ts';
import type { MaintenanceSteps } from './maintenance-steps.ts';
import { refusedWith, type Link } from './link.ts';
import type { Journal } from './journal/journal.ts';
import { centralAsker, flowRuntimes } from './flows.ts';
import { providePayment } from './payment-actors.ts';
import { readVoucher } from './insurance-steps.ts';
import type { PaymentSteps } from './payment-steps.ts';
import type { RefundSteps } from './refund-steps.ts';

export interface SessionDeps {
  config: KioskConfig;
  link: Link;
  card: CardDispenser;
  /** Absent on a kiosk without an ID card reader: the attract screen then offers only the patient card. */
  idCard?: IdCardReader;
  /** Absent on a kiosk without a scanner: then no e-voucher is read (payment codes go through `qr`). */
  scanner?: QrScanner;
  cardMoves: CardMoves;
  steps: PaymentSteps;
  /** Trades that collect nothing but may give money back (a cancel, a balance refund, a discharge's surplus). */
  refunds: RefundSteps;
  /** Absent on a kiosk without a bill acceptor. */
  cash?: CashSteps;
  /** Absent on a kiosk without a scanner. */
  qr?: QrSteps;
  /** Absent on a kiosk without an A4 report printer. */
  reports?: ReportSteps;
  fleet: FleetAgent;
  maintenance: MaintenanceSteps;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  /** Where the end-of-visit survey's answer is journaled, a fact central receives through the outbox. */
  journal: Journal;
}

/** A call for staff from an empty attract screen is let go after this long with no visit. */
const STAFF_CALL_IDLE_MS = scaled(10 * 60_000);

/**
 * Runs the session machine with the real actors (DESIGN.md §5 session host) and turns its
 * snapshots into screen views. The machines stay pure; every device and network call is here.
 */
export class SessionHost {
  private actor?: ReturnType<typeof createActor<typeof sessionMachine>>;
  private stateKey = '';
  private enteredAt = Date.now();
  private ticker?: NodeJS.Timeout;
  private staffCalled?: { at: number; visitSeen: boolean };

  constructor(
    private readonly d: SessionDeps,
    private readonly onView: (view: ScreenView) => void,
  ) {}

  start(): void {
    const { card, steps, config } = this.d;
    const ask = centralAsker(this.d);
    const moves = this.d.cardMoves;
    const payment = providePayment(this.d);
    const flowDeps = { ...this.d, payment, ask };
    const flows = Object.fromEntries(flowNames.map((name) => [name, flowRuntimes[name].provide(flowDeps)]));

    const machine = sessionMachine.provide({
      actors: {
        waitForCard: fromPromise(async ({ signal }) => {
          await card.enableEntry(true, signal);
          await card.waitForCard({ pollMs: 250, signal });
          moves.inserted();
          const cardNo = await card.readCardNumber(signal);
          return { cardNo, staffId: this.d.maintenance.staffIdOf(cardNo) };
        }),
        verifyStaff: fromPromise(async ({ input }) => this.d.maintenance.login(input.staffId, input.pin, input.tries)),
        ...flows,
        maintenance: maintenanceMachine.provide({
          actors: {
            perform: fromPromise(({ input }) => this.d.maintenance.perform(input.staffId, input.action)),
            countCashbox: fromPromise(async () => this.d.maintenance.countCashbox()),
            clearCashbox: fromPromise(({ input }) => this.d.maintenance.clearCashbox(input.staffId, input.count, input.matches)),
          },
        }),
        waitForIdCard: fromPromise(async ({ signal }) => {
          const reader = this.d.idCard;
          // No reader: this way in never opens, and the patient card is the only one.
          if (!reader) return new Promise<never>(() => undefined);
          return { idNumber: (await reader.waitForCard({ signal })).idNumber };
        }),
        waitForVoucher: fromPromise(async ({ signal }) => {
          const scanner = this.d.scanner;
          // No scanner, or no insurance here: this way in never opens.
          if (!scanner || !config.payment.methods.includes('insurance')) return new Promise<never>(() => undefined);
          try {
            return { token: (await readVoucher(scanner, signal, this.d.log)).certNo };
          } catch (e) {
            if (!signal.aborted) this.d.log('e-voucher reading stopped at the attract screen', { error: (e as Error).message });
            throw e;
          }
        }),
        identify: fromPromise(async ({ input }) => {
          try {
            return await ask<IdentifyResult>('patient.identify', { ...input });
          } catch (e) {
            // An ID card the hospital has never seen: a new patient, offered card issue where this kiosk runs it.
            if (input.credType !== 'idCard' || !refusedWith(e, 'NOT_FOUND')) throw e;
            return { found: false as const, cardIssue: (config.flows ?? flowNames).includes('cardIssue') && flowRuntimes.cardIssue.offered(this.d) };
          }
        }),
        listBills: fromPromise(({ input }) => ask<BillListResult>('bill.list', { patientId: input.patientId })),
        ejectCard: fromPromise(() => moves.eject()),
        waitCardTaken: fromPromise(async ({ signal }) => {
          for (;;) {
            if (await card.waitForTaken({ timeoutMs: 60_000, pollMs: 250, signal })) return moves.taken();
          }
        }),
        captureCard: fromPromise(() => moves.capture()),
        // The rating alone: no patient, card or transaction goes with it.
        recordSurvey: fromPromise(async ({ input }) => {
          this.d.journal.record({ type: 'survey.answered', data: { rating: input.rating } });
        }),
        billPayment: billPaymentMachine.provide({
          actors: {
            preSettle: fromPromise(({ input }) => steps.preSettle(input)),
            scanVoucher: fromPromise(({ signal }) => (this.d.scanner ? readVoucher(this.d.scanner, signal, this.d.log) : Promise.reject(new Error('this kiosk has no scanner')))),
            abandon: fromPromise(({ input }) => steps.resolveNothingCollected(input.txnId)),
            payment,
          },
        }),
      },
    });
    this.actor = createActor(machine, {
      input: { timeouts: config.timeouts, flows: this.offeredFlows(), cashChange: config.payment.cashOverpay === 'voucher' },
      // A flow or its payment moving on changes no snapshot of the session's own: redraw on any actor's.
      inspect: (event) => {
        if (event.type === '@xstate.snapshot' && event.actorRef !== this.actor) this.publish();
      },
    });
    this.actor.subscribe({ next: () => this.publish(), error: (e) => this.d.log('session machine error', { error: String(e) }) });
    this.actor.start();
    this.ticker = setInterval(() => this.publish(), 1000);
  }

  /**
   * A patient asks for help: one `staff.called` alarm naming the screen and where the visit is.
   * It is cleared when that visit ends (the session is back at attract); a call from the attract
   * screen itself is cleared when the next visit ends, or after STAFF_CALL_IDLE_MS with nobody.
   */
  callStaff(): void {
    const view = this.view();
    const snap = this.actor?.getSnapshot();
    this.staffCalled = { at: Date.now(), visitSeen: !(snap?.matches('attract') ?? true) };
    this.d.fleet.raise(alarmCondition('staff.called', undefined, { screen: view?.screen ?? 'unknown', state: JSON.stringify(snap?.value ?? null) }));
    this.publish();
  }

  send(event: Exclude<ScreenEvent, { type: 'callStaff' }>): void {
    if (event.type === 'flow') return void this.actor?.send({ ...event, methods: this.payMethods() });
    // A key pressed as the screen moved on to a state that holds something is dropped.
    if (event.type === 'home') return void (this.view()?.homeOffered && this.actor?.send(event));
    if (event.type !== 'pay') return void this.actor?.send(event);
    // The screen offers no pay key while money is off; a key pressed as it went off is dropped here.
    const methods = this.payMethods();
    const a = this.d.fleet.availability();
    const insurance = a.money && a.methods.insurance === 'ok';
    if (methods.length > 0 || insurance) this.actor?.send({ type: 'pay', methods, insurance });
  }

  /** The menu: the configured flows (all by default) this kiosk's devices allow, in the configured order. */
  private offeredFlows(): Flow[] {
    const wanted = this.d.config.flows ?? ['bills', ...flowNames];
    // Card issue is for an ID card the hospital does not know (see `identify`): never on a known patient's menu.
    return wanted.filter((flow) => flow !== 'cardIssue' && (flow === 'bills' || flowRuntimes[flow].offered(this.d)));
  }

  /** The methods a bill payment may offer right now: configured, device working, money on. */
  private payMethods(): PayMethod[] {
    const a = this.d.fleet.availability();
    if (!a.money) return [];
    return (['card', 'qr', 'cash'] as const).filter((m) => a.methods[m] === 'ok' && (m !== 'cash' || this.d.cash) && (m !== 'qr' || this.d.qr));
  }

  /** The innermost active screen: the flow's (or its payment's) when one runs, else the session's. */
  view(): ScreenView | undefined {
    const snap = this.actor?.getSnapshot();
    if (!snap) return undefined;
    const chain = activeChain(snap);
    const active = chain.at(-1) ?? snap;
    const meta = Object.values(active.getMeta() as Record<string, ScreenMeta | undefined>).find((m) => m?.screen);
    if (!meta) return undefined;
    const key = chain.map((s) => JSON.stringify(s.value)).join('|');
    if (key !== this.stateKey) {
      this.stateKey = key;
      this.enteredAt = Date.now();
    }
    const pay = chain.find((s) => s.machine.id === 'payment')?.context as PaymentContext | undefined;
    const bill = chain.find((s) => s.machine.id === 'billPayment')?.context as BillPaymentContext | undefined;
    const staff = chain.find((s) => s.machine.id === 'maintenance')?.context as MaintenanceContext | undefined;
    const reports = chain.find((s) => s.machine.id === 'reports')?.context as ReportsContext | undefined;
    // The running flow's own context, for its screens (a bill payment's is shown through the fields below).
    const flow = snap.children.flow ? chain[1] : undefined;
    const c = snap.context;
    const money = this.d.fleet.availability();
    const countdownMs = meta.countdown ? this.d.config.timeouts[meta.countdown] : undefined;
    return {
      screen: meta.screen,
      voice: meta.voice,
      secondsLeft: countdownMs === undefined ? undefined : Math.max(0, Math.ceil((countdownMs - (Date.now() - this.enteredAt)) / 1000)),
      hospital: this.d.config.site.hospital,
      location: this.d.config.site.location,
      kioskId: this.d.config.kioskId,
      serviceAvailable: money.money,
      moneyBlocks: money.blocks,
      idCardReader: this.d.idCard !== undefined,
      credType: c.credential?.credType,
      nameMasked: c.nameMasked,
      bills: bill?.bills ?? c.bills,
      totalFen: bill?.totalFen,
      selfFen: pay?.amountFen ?? bill?.preSettle?.selfFen,
      fundFen: bill?.preSettle?.fundFen,
      acctFen: bill?.preSettle?.acctFen,
      insuranceOffered: bill?.insurance !== undefined,
      posStage: pay?.posStage,
      qrKind: pay?.qrKind,
      payMethods: pay && (['card', 'qr', 'cash'] as const).map((method) => ({ method, offered: pay.methods.includes(method), why: money.methods[method] === 'ok' ? undefined : money.methods[method] })),
      insertedFen: pay?.insertedFen,
      cashChange: pay?.cashChange,
      guide: pay ? guideOf(pay) : undefined,
      hisReceiptNo: pay?.hisReceiptNo ?? bill?.hisReceiptNo ?? (c.payment && 'hisReceiptNo' in c.payment ? c.payment.hisReceiptNo : undefined),
      txnId: pay?.txnId ?? bill?.txnId ?? c.payment?.txnId,
      problem: pay?.problem ?? bill?.problem ?? reports?.problem ?? (flow?.context as { problem?: string } | undefined)?.problem ?? c.problem,
      paymentEnd: c.payment?.end,
      staffCalled: this.staffCalled !== undefined,
      pinLength: c.pin?.length,
      pinTries: c.pinTries,
      staffId: staff?.staffId,
      staffResult: staff?.result,
      cashbox: staff?.cashbox,
      outOfService: money.blocks.includes('maintenance'),
      reports: reports?.reports,
      printSummary: reports?.summary,
      flows: c.flows,
      menuPage: c.menuPage,
      homeOffered: meta.home === true && c.patientId !== undefined,
      flowContext: flow?.context,
      demoKeys: this.d.config.demo !== undefined,
    };
  }

  private publish(): void {
    const call = this.staffCalled;
    if (call) {
      const atAttract = this.actor?.getSnapshot().matches('attract') ?? true;
      if (!atAttract) call.visitSeen = true;
      else if (call.visitSeen || Date.now() - call.at > STAFF_CALL_IDLE_MS) {
        this.staffCalled = undefined;
        this.d.fleet.clear('staff.called');
      }
    }
    const v = this.view();
    if (v) this.onView(v);
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.actor?.stop();
  }
}

/** A settled bill's "what next" steps, shown while its receipt prints; other ops' answers carry none. */
function guideOf(pay: PaymentContext): GuideStep[] | undefined {
  const guide = pay.plan.op === 'bill.pay' ? (pay.result as PayResult | undefined)?.guide : undefined;
  return guide?.length ? guide : undefined;
}

/** The session's snapshot and its active descendants, outermost first: session, flow, payment. */
function activeChain(snap: AnyMachineSnapshot): AnyMachineSnapshot[] {
  const chain: AnyMachineSnapshot[] = [snap];
  for (let current = snap; ; ) {
    const child = Object.values(current.children as Record<string, AnyActorRef | undefined>)
      .map((ref) => ref?.getSnapshot() as AnyMachineSnapshot | undefined)
      .find((s) => s?.status === 'active' && typeof s.getMeta === 'function');
    if (!child) return chain;
    chain.push(child);
    current = child;
  }
}
