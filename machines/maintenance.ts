import { assign, fromPromise, setup } from 'xstate';
import type { Timeouts } from './types.ts';
import { meta } from './parts.ts';

/**
 * Staff maintenance mode (issue 5 §14), entered with a staff card and PIN, never inside a
 * patient's visit. Every action is an actor the runtime provides, and each is a fact in the
 * journal. A member of staff who walks away is logged out when the countdown ends.
 */
export type StaffAction = 'service' | 'cashbox' | 'paper' | 'cards' | 'bin' | 'reprint' | 'selftest';
export const staffActions: readonly StaffAction[] = ['service', 'cashbox', 'paper', 'cards', 'bin', 'reprint', 'selftest'];

export interface CashboxCount {
  units: { denomination: number; count: number }[];
  totalFen: number;
}

export interface MaintenanceInput {
  staffId: string;
  timeouts: Timeouts;
}

/**
 * What an action did, said on the menu in the screen's language: a note id the screen words
 * (screens/strings.ts `staff.notes`) and its values. A failure keeps the device's or central's
 * own words in `failed`.
 */
export type StaffNoteId = 'outOfService' | 'inService' | 'printer' | 'stacker' | 'bin' | 'noReceipt' | 'reprinted' | 'reprintFailed' | 'selftest' | 'cashboxCleared' | 'countDiffers' | 'slipNotPrinted' | 'failed';
export interface StaffNote {
  note: StaffNoteId;
  params?: Record<string, string | number>;
}

const failedNote = (error: unknown): StaffNote[] => [{ note: 'failed', params: { reason: error instanceof Error ? error.message : String(error) } }];

export interface MaintenanceContext extends MaintenanceInput {
  /** What the last action did, shown on the menu. */
  result?: StaffNote[];
  cashbox?: CashboxCount;
}

export type MaintenanceEvent = { type: 'staff.action'; action: StaffAction } | { type: 'staff.counted'; matches: boolean } | { type: 'cancel' };

export const maintenanceMachine = setup({
  types: {
    context: {} as MaintenanceContext,
    events: {} as MaintenanceEvent,
    input: {} as MaintenanceInput,
  },
  actors: {
    /** Paper, cards, capture bin, reprint, self-test, in or out of service: journals the fact, says what it did. */
    perform: fromPromise<StaffNote[], { staffId: string; action: StaffAction }>(async () => { throw new Error('provided by the runtime'); }),
    /** The journal's notes in the cash box by denomination since the last clearing. */
    countCashbox: fromPromise<CashboxCount, void>(async () => { throw new Error('provided by the runtime'); }),
    /** Empties the counters, prints the clearing slip; `matches` is the staff's count against the journal's. */
    clearCashbox: fromPromise<StaffNote[], { staffId: string; count: CashboxCount; matches: boolean }>(async () => { throw new Error('provided by the runtime'); }),
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'maintenance',
  context: ({ input }) => ({ ...input }),
  initial: 'menu',
  states: {
    menu: {
      meta: meta({ screen: 'staff.menu', voice: 'staff.menu', countdown: 'choiceMs' }),
      on: {
        'staff.action': [{ guard: ({ event }) => event.action === 'cashbox', target: 'counting' }, { target: 'performing' }],
        cancel: 'done',
      },
      after: { choice: 'done' },
    },
    performing: {
      meta: meta({ screen: 'staff.working', voice: 'staff.working' }),
      invoke: {
        src: 'perform',
        input: ({ context, event }) => ({ staffId: context.staffId, action: (event as { action: StaffAction }).action }),
        onDone: { target: 'menu', actions: assign({ result: ({ event }) => event.output }) },
        onError: { target: 'menu', actions: assign({ result: ({ event }) => failedNote(event.error) }) },
      },
    },
    counting: {
      meta: meta({ screen: 'staff.working', voice: 'staff.working' }),
      invoke: {
        src: 'countCashbox',
        onDone: { target: 'cashbox', actions: assign({ cashbox: ({ event }) => event.output }) },
        onError: { target: 'menu', actions: assign({ result: ({ event }) => failedNote(event.error) }) },
      },
    },
    // The staff member takes the box out, counts the notes, and says whether they match the journal.
    cashbox: {
      meta: meta({ screen: 'staff.cashbox', voice: 'staff.cashbox', countdown: 'choiceMs' }),
      on: { 'staff.counted': 'clearing', cancel: 'menu' },
      after: { choice: 'menu' },
    },
    clearing: {
      meta: meta({ screen: 'staff.working', voice: 'staff.working' }),
      invoke: {
        src: 'clearCashbox',
        input: ({ context, event }) => ({ staffId: context.staffId, count: context.cashbox!, matches: (event as { matches: boolean }).matches }),
        onDone: { target: 'menu', actions: assign({ result: ({ event }) => event.output, cashbox: undefined }) },
        onError: { target: 'menu', actions: assign({ result: ({ event }) => failedNote(event.error) }) },
      },
    },
    done: { type: 'final' },
  },
});
