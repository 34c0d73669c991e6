import { createActor, fromCallback, fromPromise, type AnyActorRef, type SnapshotFrom } from 'xstate';
import type { BillListResult, IdentifyResult, OpName, RpcResponse } from '../contract/rpc.ts';
import type { CardDispenser } from '../drivers/card/driver.ts';
import type { IdCardReader } from '../drivers/idcard/driver.ts';
import { billPaymentMachine } from '../machines/billPayment.ts';
import { maintenanceMachine } from '../machines/maintenance.ts';
import { reportsMachine } from '../machines/reports.ts';
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
import type { Link } from './link.ts';
import type { PaymentSteps } from './payment-steps.ts';

export interface SessionDeps {
  config: KioskConfig;
  link: Link;
  card: CardDispenser;
  /** Absent on a kiosk without an ID card reader: the attract screen then offers only the patient card. */
  idCard?: IdCardReader;
  cardMoves: CardMoves;
  steps: PaymentSteps;
  /** Absent on a kiosk without a bill acceptor. */
  cash?: CashSteps;
  /** Absent on a kiosk without a scanner. */
  qr?: QrSteps;
  /** Absent on a kiosk without an A4 report printer. */
  reports?: ReportSteps;
  fleet: FleetAgent;
  maintenance: MaintenanceSteps;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** A call for staff from an empty attract screen is let go after this long with no visit. */
const STAFF_CALL_IDLE_MS = 10 * 60_000;

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
    const ask = async <D>(op: OpName, args: Record<string, unknown>): Promise<D> => {
      if (!this.d.link.centralOnline) throw new Error('central is not reachable');
      const r: RpcResponse<D> = await this.d.link.rpc<D>({ op, args, timeoutMs: config.timeouts.rpcMs });
      if (r.status !== 'OK' || r.data === undefined) throw new Error(r.message ?? r.code ?? r.status);
      return r.data;
    };
    const moves = this.d.cardMoves;

    const payment = billPaymentMachine.provide({
      actors: {
        preSettle: fromPromise(({ input }) => steps.preSettle(input)),
        cardSale: fromCallback(({ input, sendBack }) => {
          steps
            .cardSale(input.txnId, input.amountFen, (stage) => sendBack({ type: 'pos.stage', stage }))
            .then((sale) => sendBack({ type: 'pos.result', sale }))
            .catch((e: unknown) => this.d.log('card sale failed unexpectedly', { error: (e as Error).message }));
        }),
        cashCollect: fromCallback(({ input, sendBack, receive }) => {
          const stop = new AbortController();
          receive((event) => event.type === 'cash.stop' && stop.abort());
          const collecting = this.d.cash
            ? this.d.cash.collect(input.txnId, input.amountFen, { signal: stop.signal, onProgress: (insertedFen) => sendBack({ type: 'cash.progress', insertedFen }) })
            : Promise.reject(new Error('this kiosk has no bill acceptor'));
          collecting
            .then(async (cash) => {
              // Nothing came in: close the transaction (also at central) before the flow moves on.
              if (cash.insertedFen === 0) await steps.resolveNothingCollected(input.txnId);
              sendBack({ type: 'cash.result', cash });
            })
            .catch((e: unknown) => this.d.log('cash collection failed unexpectedly', { error: (e as Error).message }));
        }),
        qrCollect: fromCallback(({ input, sendBack }) => {
          const stop = new AbortController();
          const qr = this.d.qr;
          if (!qr) {
            sendBack({ type: 'qr.result', outcome: { state: 'failed', reason: 'this kiosk has no scanner' } });
            return;
          }
          qr.scan(stop.signal)
            .then(async (scan) => {
              sendBack({ type: 'qr.scanned', kind: scan.kind });
              sendBack({ type: 'qr.result', outcome: await qr.collect(input.txnId, input.amountFen, scan) });
            })
            .catch((e: unknown) => {
              // Leaving the scan screen stops the wait; anything else is unexpected.
              if (!stop.signal.aborted) this.d.log('QR payment failed unexpectedly', { error: (e as Error).message });
            });
          return () => stop.abort();
        }),
        settle: fromPromise(({ input }) => steps.settle(input.txnId, input.preSettleId, input.collected)),
        printCashVoucher: fromPromise(({ input }) => steps.printCashVoucher(input.txnId, input.amountFen, input.reason)),
        abandon: fromPromise(({ input }) => steps.resolveNothingCollected(input.txnId)),
        voidSale: fromPromise(({ input }) => steps.voidSale(input.txnId, input.sale, input.reason)),
        printReceipt: fromPromise(({ input }) => steps.printReceipt(input.txnId, { items: input.bills })),
        printSlip: fromPromise(({ input }) => steps.printSlip(input.txnId)),
      },
    });

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
        reports: reportsMachine.provide({
          actors: {
            listReports: fromPromise(({ input }) => this.d.reports!.list(input.patientId)),
            printReports: fromPromise(({ input }) => this.d.reports!.printAll(input.patientId, input.reports)),
          },
        }),
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
        identify: fromPromise(({ input }) => ask<IdentifyResult>('patient.identify', { ...input })),
        listBills: fromPromise(({ input }) => ask<BillListResult>('bill.list', { patientId: input.patientId })),
        ejectCard: fromPromise(() => moves.eject()),
        waitCardTaken: fromPromise(async ({ signal }) => {
          for (;;) {
            if (await card.waitForTaken({ timeoutMs: 60_000, pollMs: 250, signal })) return moves.taken();
          }
        }),
        captureCard: fromPromise(() => moves.capture()),
        billPayment: payment,
      },
    });
    this.actor = createActor(machine, {
      input: { timeouts: config.timeouts, flows: this.d.reports ? ['bills', 'reports'] : ['bills'], cashChange: config.payment.cashOverpay === 'voucher' },
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
    if (event.type !== 'pay') return void this.actor?.send(event);
    // The screen offers no pay key while money is off; a key pressed as it went off is dropped here.
    const methods = this.payMethods();
    if (methods.length > 0) this.actor?.send({ type: 'pay', methods });
  }

  /** The methods a bill payment may offer right now: configured, device working, money on. */
  private payMethods(): PayMethod[] {
    const a = this.d.fleet.availability();
    if (!a.money) return [];
    return (['card', 'qr', 'cash'] as const).filter((m) => a.methods[m] === 'ok' && (m !== 'cash' || this.d.cash) && (m !== 'qr' || this.d.qr));
  }

  /** The innermost active screen: the flow's when a flow runs, else the session's. */
  view(): ScreenView | undefined {
    const snap = this.actor?.getSnapshot();
    if (!snap) return undefined;
    const child = snap.children.billPayment as AnyActorRef | undefined;
    const childSnap = child?.getSnapshot() as SnapshotFrom<typeof billPaymentMachine> | undefined;
    const staffChild = (snap.children.maintenance as AnyActorRef | undefined)?.getSnapshot() as SnapshotFrom<typeof maintenanceMachine> | undefined;
    const staff = staffChild?.status === 'active' ? staffChild : undefined;
    const reportsChild = (snap.children.reports as AnyActorRef | undefined)?.getSnapshot() as SnapshotFrom<typeof reportsMachine> | undefined;
    const reports = reportsChild?.status === 'active' ? reportsChild : undefined;
    const active = childSnap?.status === 'active' ? childSnap : (staff ?? reports ?? snap);
    const meta = Object.values(active.getMeta() as Record<string, ScreenMeta | undefined>).find((m) => m?.screen);
    if (!meta) return undefined;
    const key = `${JSON.stringify(snap.value)}|${JSON.stringify(active.value)}`;
    if (key !== this.stateKey) {
      this.stateKey = key;
      this.enteredAt = Date.now();
    }
    const c = snap.context;
    const money = this.d.fleet.availability();
    const p = childSnap?.status === 'active' ? childSnap.context : undefined;
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
      bills: p?.bills ?? c.bills,
      totalFen: p?.totalFen,
      selfFen: p?.preSettle?.selfFen,
      posStage: p?.posStage,
      qrKind: p?.qrKind,
      payMethods: p && (['card', 'qr', 'cash'] as const).map((method) => ({ method, offered: p.methods.includes(method), why: money.methods[method] === 'ok' ? undefined : money.methods[method] })),
      insertedFen: p?.insertedFen,
      cashChange: p?.cashChange,
      hisReceiptNo: p?.hisReceiptNo ?? c.payment?.hisReceiptNo,
      txnId: p?.txnId ?? c.payment?.txnId,
      problem: p?.problem ?? reports?.context.problem ?? c.problem,
      paymentEnd: c.payment?.end,
      staffCalled: this.staffCalled !== undefined,
      pinLength: c.pin?.length,
      pinTries: c.pinTries,
      staffId: staff?.context.staffId,
      staffResult: staff?.context.result,
      cashbox: staff?.context.cashbox,
      outOfService: money.blocks.includes('maintenance'),
      reports: reports?.context.reports,
      printSummary: reports?.context.summary,
      flows: c.flows,
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
