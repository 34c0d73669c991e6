import { assign, fromPromise, setup } from 'xstate';
import type { BillHistoryResult, InpatientCostsResult } from '../contract/rpc.ts';
import type { FlowInput, FlowOutput } from './flows.ts';
import { pageOf, turnPage } from './paging.ts';
import { errorMessage, meta } from './parts.ts';

/**
 * Printing a bill list (费用清单, issue 5 §9): the patient picks the outpatient bills paid in the
 * last 7, 30 or 90 days, or the current stay's costs when the HIS has an admission on record,
 * reads the list a page at a time, and prints it on the receipt printer. No money moves; the
 * printed list is a fact in the journal (the runtime's print step records it).
 */

/** The outpatient ranges offered, in days back from today (today included), as choices 1 to 3. */
export const billListRanges = [7, 30, 90] as const;

/** The stay the inpatient list is of: what the choice names. */
export interface StayRef {
  admissionNo: string;
  deptName: string;
  admittedAt: string;
}

export type BillListKind = { kind: 'outpatient'; days: number } | { kind: 'inpatient'; admissionNo: string };

/** A list as loaded, ready to show and print. */
export type BillListing = ({ kind: 'outpatient' } & BillHistoryResult) | ({ kind: 'inpatient' } & InpatientCostsResult);

export interface PrintOutcome {
  printed: boolean;
}

export type BillListEvent = { type: 'select'; index: number } | { type: 'page'; delta: 1 | -1 } | { type: 'confirm' } | { type: 'back' } | { type: 'cancel' };

export interface BillListContext extends FlowInput {
  /** The admission the HIS has for the patient; null when there is none. */
  stay?: StayRef | null;
  chosen?: BillListKind;
  listing?: BillListing;
  page: number;
  printed?: boolean;
  problem?: string;
}

/** How many rows the list has: bills of an outpatient list, cost lines of a stay's. */
export function listRows(listing: BillListing | undefined): number {
  if (!listing) return 0;
  return listing.kind === 'outpatient' ? listing.bills.length : listing.items.length;
}

/**
 * The page after a page key: forward from the last page comes round to the first, so one touch
 * target pages through a list of any length (the button row has room for print, page and back).
 */
export function flipPage(count: number, page: number, delta: 1 | -1): number {
  const { current, pages } = pageOf(count, page);
  return delta === 1 && current === pages - 1 ? 0 : turnPage(count, current, delta);
}

export const billListMachine = setup({
  types: {
    context: {} as BillListContext,
    events: {} as BillListEvent,
    input: {} as FlowInput,
    output: {} as FlowOutput,
  },
  actors: {
    /** The patient's admission on record, or null (central NOT_FOUND). */
    findStay: fromPromise<StayRef | null, { patientId: string }>(async () => { throw new Error('provided by the runtime'); }),
    loadList: fromPromise<BillListing, { patientId: string; chosen: BillListKind }>(async () => { throw new Error('provided by the runtime'); }),
    /** Journals the intent, prints on the receipt printer, journals the outcome. */
    printList: fromPromise<PrintOutcome, { nameMasked: string; listing: BillListing }>(async () => { throw new Error('provided by the runtime'); }),
  },
  guards: {
    outpatientChoice: ({ event }) => event.type === 'select' && event.index >= 0 && event.index < billListRanges.length,
    stayChoice: ({ context, event }) => event.type === 'select' && event.index === billListRanges.length && !!context.stay,
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'billList',
  context: ({ input }) => ({ ...input, page: 0 }),
  initial: 'checkingStay',
  states: {
    checkingStay: {
      meta: meta({ screen: 'billList.wait', voice: 'billList.wait' }),
      invoke: {
        src: 'findStay',
        input: ({ context }) => ({ patientId: context.patientId }),
        onDone: { target: 'choosing', actions: assign({ stay: ({ event }) => event.output }) },
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    // Back here from a list, the last list is gone: the next choice loads its own.
    choosing: {
      meta: meta({ screen: 'billList.choose', voice: 'billList.choose', countdown: 'choiceMs', home: true }),
      entry: assign({ chosen: undefined, listing: undefined, page: 0, printed: undefined }),
      on: {
        select: [
          { guard: 'outpatientChoice', target: 'loading', actions: assign({ chosen: ({ event }) => ({ kind: 'outpatient' as const, days: billListRanges[event.index]! }) }) },
          { guard: 'stayChoice', target: 'loading', actions: assign({ chosen: ({ context }) => ({ kind: 'inpatient' as const, admissionNo: context.stay!.admissionNo }) }) },
        ],
        cancel: 'done',
        back: 'done',
      },
      after: { choice: 'done' },
    },
    loading: {
      meta: meta({ screen: 'billList.wait', voice: 'billList.wait' }),
      invoke: {
        src: 'loadList',
        input: ({ context }) => ({ patientId: context.patientId, chosen: context.chosen! }),
        onDone: [
          { guard: ({ event }) => listRows(event.output) === 0, target: 'empty', actions: assign({ listing: ({ event }) => event.output }) },
          { target: 'list', actions: assign({ listing: ({ event }) => event.output, page: 0 }) },
        ],
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    // Nothing paid in that range: another range may have some.
    empty: {
      meta: meta({ screen: 'billList.empty', voice: 'billList.empty', countdown: 'choiceMs', home: true }),
      on: { confirm: 'choosing', back: 'choosing', cancel: 'done' },
      after: { choice: 'done' },
    },
    list: {
      meta: meta({ screen: 'billList.list', voice: 'billList.list', countdown: 'choiceMs', home: true }),
      on: {
        page: { actions: assign({ page: ({ context, event }) => flipPage(listRows(context.listing), context.page, event.delta) }) },
        confirm: 'printing',
        back: 'choosing',
        cancel: 'done',
      },
      after: { choice: 'done' },
    },
    // System-wait: the slip is coming out; leaving now would leave it for the next patient.
    printing: {
      meta: meta({ screen: 'billList.printing', voice: 'billList.printing' }),
      invoke: {
        src: 'printList',
        input: ({ context }) => ({ nameMasked: context.nameMasked, listing: context.listing! }),
        onDone: { target: 'printed', actions: assign({ printed: ({ event }) => event.output.printed }) },
        onError: { target: 'printed', actions: assign({ printed: false, problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    printed: {
      meta: meta({ screen: 'billList.printed', voice: 'billList.printed', countdown: 'choiceMs', home: true }),
      on: { confirm: 'done', cancel: 'done', back: 'choosing' },
      after: { choice: 'done' },
    },
    problem: {
      meta: meta({ screen: 'billList.problem', voice: 'billList.problem', countdown: 'choiceMs', home: true }),
      on: { confirm: 'done', cancel: 'done' },
      after: { choice: 'done' },
    },
    done: { type: 'final' },
  },
  output: () => ({}),
});

