import { assign, fromPromise, setup } from 'xstate';
import type { BillHistoryResult, DoctorInfoResult, PriceItem } from '../contract/rpc.ts';
import type { FlowInput, FlowOutput } from './flows.ts';
import { flipPage } from './billList.ts';
import { PER_PAGE } from './paging.ts';
import { errorMessage, meta } from './parts.ts';

/**
 * Inquiry (查询, issue 5 §10): prices by pinyin initials, the doctors' sessions of the coming
 * week with their introductions, and the patient's own payments of the last 90 days. Read-only:
 * no money, no device but the screen.
 */

/** The submenu, in the order of its choices (keys 1 to 3). */
export const inquiryTopics = ['prices', 'schedule', 'history'] as const;
export type InquiryTopic = (typeof inquiryTopics)[number];

/**
 * Letters a touch screen offers for pinyin initials, in groups of at most five (one choice each,
 * keys 1 to 5, then the group's letters on the same keys; the sixth choice deletes). No pinyin
 * syllable starts with I, U or V, so they are left off the glass; a keyboard still types them.
 */
export const letterGroups = ['ABCDE', 'FGHJK', 'LMNOP', 'QRSTW', 'XYZ'] as const;
/** As the HIS matches them (`price.search`). */
export const MAX_INITIALS = 12;

/** One session of a doctor in the coming week. */
export interface WeekSession {
  date: string;
  period: 'morning' | 'afternoon';
  remaining: number;
}
export interface WeekDoctor {
  doctorId: string;
  name: string;
  title: string;
  feeFen: number;
  sessions: WeekSession[];
}
export interface WeekDepartment {
  deptId: string;
  name: string;
  location: string;
  doctors: WeekDoctor[];
}

/** A page of matches from central, with how many there are in all. */
export interface PriceMatches {
  items: PriceItem[];
  total: number;
}

export type InquiryEvent =
  | { type: 'select'; index: number }
  | { type: 'page'; delta: 1 | -1 }
  | { type: 'letter'; letter: string }
  | { type: 'backspace' }
  | { type: 'confirm' }
  | { type: 'back' }
  | { type: 'cancel' };

export interface InquiryContext extends FlowInput {
  initials: string;
  /** The letter group opened on the touch keypad, if any. */
  group?: number;
  prices: PriceItem[];
  priceTotal: number;
  /** Pages of `price.search` fetched so far. */
  priceFetched: number;
  departments?: WeekDepartment[];
  deptIndex?: number;
  doctorIndex?: number;
  intro?: DoctorInfoResult;
  history?: BillHistoryResult;
  /** The page of whichever list is on screen; reset when another list comes up. */
  page: number;
  problem?: string;
}

/** Initials after one more letter, or undefined when it is no letter or the initials are full. */
export function withLetter(initials: string, letter: string): string | undefined {
  const upper = letter.toUpperCase();
  return /^[A-Z]$/.test(upper) && initials.length < MAX_INITIALS ? initials + upper : undefined;
}

/** Turning to the next page needs matches not fetched yet. */
export function needsMorePrices(c: Pick<InquiryContext, 'prices' | 'priceTotal' | 'page'>): boolean {
  return c.prices.length < c.priceTotal && (c.page + 2) * PER_PAGE > c.prices.length;
}

export function chosenDepartment(c: Pick<InquiryContext, 'departments' | 'deptIndex'>): WeekDepartment | undefined {
  return c.deptIndex === undefined ? undefined : c.departments?.[c.deptIndex];
}

export function chosenDoctor(c: Pick<InquiryContext, 'departments' | 'deptIndex' | 'doctorIndex'>): WeekDoctor | undefined {
  return c.doctorIndex === undefined ? undefined : chosenDepartment(c)?.doctors[c.doctorIndex];
}

/** A patient-wait state counts down on screen and leaves the flow when the count ends. */
const patientWait = (screen: string) => ({ meta: meta({ screen, voice: screen, countdown: 'choiceMs', home: true }), after: { choice: '#inquiry.done' } }) as const;
/** A system-wait state (central answering) has no countdown of its own. */
const systemWait = (screen: string) => meta({ screen, voice: screen });

export const inquiryMachine = setup({
  types: {
    context: {} as InquiryContext,
    events: {} as InquiryEvent,
    input: {} as FlowInput,
    output: {} as FlowOutput,
  },
  actors: {
    searchPrices: fromPromise<PriceMatches, { initials: string; page: number }>(async () => { throw new Error('provided by the runtime'); }),
    /** The departments with their bookable doctors and each one's sessions of the coming 7 days. */
    loadWeek: fromPromise<WeekDepartment[], Record<string, never>>(async () => { throw new Error('provided by the runtime'); }),
    doctorInfo: fromPromise<DoctorInfoResult, { doctorId: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** The patient's paid bills of the last 90 days. */
    loadHistory: fromPromise<BillHistoryResult, { patientId: string }>(async () => { throw new Error('provided by the runtime'); }),
  },
  guards: {
    letterFits: ({ context, event }) => event.type === 'letter' && withLetter(context.initials, event.letter) !== undefined,
    groupChoice: ({ context, event }) => context.group === undefined && event.type === 'select' && event.index >= 0 && event.index < letterGroups.length,
    groupLetter: ({ context, event }) =>
      context.group !== undefined && event.type === 'select' && event.index >= 0 && event.index < letterGroups[context.group]!.length && context.initials.length < MAX_INITIALS,
    typedSome: ({ context }) => context.initials.length > 0,
    groupOpen: ({ context }) => context.group !== undefined,
    deptChoice: ({ context, event }) => event.type === 'select' && event.index >= 0 && event.index < (context.departments?.length ?? 0),
    doctorChoice: ({ context, event }) => event.type === 'select' && event.index >= 0 && event.index < (chosenDepartment(context)?.doctors.length ?? 0),
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'inquiry',
  context: ({ input }) => ({ ...input, initials: '', prices: [], priceTotal: 0, priceFetched: 0, page: 0 }),
  initial: 'menu',
  states: {
    // Each topic starts afresh from here.
    menu: {
      ...patientWait('inquiry.menu'),
      entry: assign({ initials: '', group: undefined, prices: [], priceTotal: 0, priceFetched: 0, departments: undefined, deptIndex: undefined, doctorIndex: undefined, intro: undefined, history: undefined, page: 0, problem: undefined }),
      on: {
        select: inquiryTopics.map((topic, index) => ({ guard: ({ event }: { event: InquiryEvent }) => event.type === 'select' && event.index === index, target: topic })),
        cancel: 'done',
        back: 'done',
      },
    },

    prices: {
      initial: 'typing',
      states: {
        // Typing again drops the matches of the last search; the initials stay to be changed. The
        // countdown is not restarted per key: a few letters fit easily in one, and the count shown stays true.
        typing: {
          ...patientWait('inquiry.prices'),
          entry: assign({ prices: [], priceTotal: 0, priceFetched: 0, page: 0 }),
          on: {
            letter: { guard: 'letterFits', actions: assign({ initials: ({ context, event }) => withLetter(context.initials, event.letter)!, group: undefined }) },
            select: [
              { guard: 'groupChoice', actions: assign({ group: ({ event }) => event.index }) },
              { guard: 'groupLetter', actions: assign({ initials: ({ context, event }) => context.initials + letterGroups[context.group!]![event.index]!, group: undefined }) },
            ],
            backspace: { actions: assign({ initials: ({ context }) => context.initials.slice(0, -1), group: undefined }) },
            confirm: { guard: 'typedSome', target: 'searching', actions: assign({ group: undefined }) },
            back: [{ guard: 'groupOpen', actions: assign({ group: undefined }) }, { target: '#inquiry.menu' }],
            cancel: '#inquiry.menu',
          },
        },
        searching: {
          meta: systemWait('inquiry.wait'),
          invoke: {
            src: 'searchPrices',
            input: ({ context }) => ({ initials: context.initials, page: 1 }),
            onDone: [
              { guard: ({ event }) => event.output.total === 0, target: 'none' },
              { target: 'results', actions: assign({ prices: ({ event }) => event.output.items, priceTotal: ({ event }) => event.output.total, priceFetched: 1, page: 0 }) },
            ],
            onError: { target: '#inquiry.problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
          },
        },
        none: {
          ...patientWait('inquiry.prices.none'),
          on: { confirm: 'typing', back: 'typing', cancel: '#inquiry.menu' },
        },
        results: {
          ...patientWait('inquiry.prices.results'),
          on: {
            page: [
              { guard: ({ context, event }) => event.delta === 1 && needsMorePrices(context), target: 'more' },
              { actions: assign({ page: ({ context, event }) => flipPage(context.prices.length, context.page, event.delta) }) },
            ],
            back: 'typing',
            cancel: '#inquiry.menu',
          },
        },
        // The next page of matches from central, then the page that needed them.
        more: {
          meta: systemWait('inquiry.wait'),
          invoke: {
            src: 'searchPrices',
            input: ({ context }) => ({ initials: context.initials, page: context.priceFetched + 1 }),
            onDone: {
              target: 'results',
              actions: assign(({ context, event }) => {
                const prices = [...context.prices, ...event.output.items];
                return { prices, priceTotal: event.output.total, priceFetched: context.priceFetched + 1, page: flipPage(prices.length, context.page, 1) };
              }),
            },
            onError: { target: '#inquiry.problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
          },
        },
      },
    },

    schedule: {
      initial: 'loading',
      states: {
        loading: {
          meta: systemWait('inquiry.wait'),
          invoke: {
            src: 'loadWeek',
            input: () => ({}),
            onDone: [
              { guard: ({ event }) => event.output.length === 0, target: 'none' },
              { target: 'departments', actions: assign({ departments: ({ event }) => event.output, page: 0 }) },
            ],
            onError: { target: '#inquiry.problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
          },
        },
        none: {
          ...patientWait('inquiry.schedule.none'),
          on: { confirm: '#inquiry.menu', back: '#inquiry.menu', cancel: '#inquiry.done' },
        },
        departments: {
          ...patientWait('inquiry.departments'),
          entry: assign({ deptIndex: undefined }),
          on: {
            select: { guard: 'deptChoice', target: 'doctors', actions: assign({ deptIndex: ({ event }) => event.index, page: 0 }) },
            page: { actions: assign({ page: ({ context, event }) => flipPage(context.departments?.length ?? 0, context.page, event.delta) }) },
            back: '#inquiry.menu',
            cancel: '#inquiry.done',
          },
        },
        doctors: {
          ...patientWait('inquiry.doctors'),
          entry: assign({ doctorIndex: undefined, intro: undefined }),
          on: {
            select: { guard: 'doctorChoice', target: 'introducing', actions: assign({ doctorIndex: ({ event }) => event.index }) },
            page: { actions: assign({ page: ({ context, event }) => flipPage(chosenDepartment(context)?.doctors.length ?? 0, context.page, event.delta) }) },
            back: { target: 'departments', actions: assign({ page: ({ context }) => Math.floor((context.deptIndex ?? 0) / PER_PAGE) }) },
            cancel: '#inquiry.done',
          },
        },
        // The sessions are known already; an introduction central cannot give leaves the doctor's screen without one.
        introducing: {
          meta: systemWait('inquiry.wait'),
          invoke: {
            src: 'doctorInfo',
            input: ({ context }) => ({ doctorId: chosenDoctor(context)!.doctorId }),
            onDone: { target: 'doctor', actions: assign({ intro: ({ event }) => event.output }) },
            onError: 'doctor',
          },
        },
        doctor: {
          ...patientWait('inquiry.doctor'),
          on: {
            back: { target: 'doctors', actions: assign({ page: ({ context }) => Math.floor((context.doctorIndex ?? 0) / PER_PAGE) }) },
            cancel: '#inquiry.done',
          },
        },
      },
    },

    history: {
      initial: 'loading',
      states: {
        loading: {
          meta: systemWait('inquiry.wait'),
          invoke: {
            src: 'loadHistory',
            input: ({ context }) => ({ patientId: context.patientId }),
            onDone: { target: 'list', actions: assign({ history: ({ event }) => event.output, page: 0 }) },
            onError: { target: '#inquiry.problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
          },
        },
        list: {
          ...patientWait('inquiry.history'),
          on: {
            page: { actions: assign({ page: ({ context, event }) => flipPage(context.history?.bills.length ?? 0, context.page, event.delta) }) },
            back: '#inquiry.menu',
            confirm: '#inquiry.menu',
            cancel: '#inquiry.done',
          },
        },
      },
    },

    problem: {
      ...patientWait('inquiry.problem'),
      on: { confirm: 'menu', back: 'menu', cancel: 'done' },
    },
    done: { type: 'final' },
  },
  output: () => ({}),
});

