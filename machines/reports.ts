import { assign, fromPromise, setup } from 'xstate';
import type { Timeouts } from './types.ts';
import { errorMessage, meta, notice } from './parts.ts';

/**
 * Printing a patient's ready lab and exam reports on the A4 printer (issue 5 §8). A report prints
 * once: one already printed is listed as such, and its reprint is the staff's. The HIS is told a
 * report was printed only when the printer said the job completed (the runtime's step does both).
 */
export interface ReportEntry {
  reportId: string;
  title: string;
  deptName: string;
  /** `ready` and never printed: this visit may print it. */
  printable: boolean;
  printed: boolean;
}

export interface ReportsInput {
  patientId: string;
  timeouts: Timeouts;
}

export interface PrintSummary {
  printed: string[];
  failed: { title: string; reason: string }[];
}

export interface ReportsContext extends ReportsInput {
  reports?: ReportEntry[];
  summary?: PrintSummary;
  problem?: string;
}

export const reportsMachine = setup({
  types: {
    context: {} as ReportsContext,
    events: {} as { type: 'confirm' } | { type: 'cancel' },
    input: {} as ReportsInput,
  },
  actors: {
    listReports: fromPromise<ReportEntry[], { patientId: string }>(async () => { throw new Error('provided by the runtime'); }),
    /** Prints each printable report in turn; only a completed job is reported to the HIS as printed. */
    printReports: fromPromise<PrintSummary, { patientId: string; reports: ReportEntry[] }>(async () => { throw new Error('provided by the runtime'); }),
  },
  delays: { choice: ({ context }) => context.timeouts.choiceMs },
}).createMachine({
  id: 'reports',
  context: ({ input }) => ({ ...input }),
  initial: 'loading',
  states: {
    loading: {
      meta: meta({ screen: 'wait.reports', voice: 'wait.reports' }),
      invoke: {
        src: 'listReports',
        input: ({ context }) => ({ patientId: context.patientId }),
        onDone: [
          { guard: ({ event }) => event.output.length === 0, target: 'none' },
          { target: 'list', actions: assign({ reports: ({ event }) => event.output }) },
        ],
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    none: notice('reports.none'),
    list: {
      meta: meta({ screen: 'reports.list', voice: 'reports.list', countdown: 'choiceMs', home: true }),
      on: {
        confirm: { guard: ({ context }) => (context.reports ?? []).some((r) => r.printable), target: 'printing' },
        cancel: 'done',
      },
      after: { choice: 'done' },
    },
    // System-wait: sheets are coming out; leaving now would take a stranger's report off the tray.
    printing: {
      meta: meta({ screen: 'reports.printing', voice: 'reports.printing' }),
      invoke: {
        src: 'printReports',
        input: ({ context }) => ({ patientId: context.patientId, reports: (context.reports ?? []).filter((r) => r.printable) }),
        onDone: { target: 'printed', actions: assign({ summary: ({ event }) => event.output }) },
        onError: { target: 'problem', actions: assign({ problem: ({ event }) => errorMessage(event.error) }) },
      },
    },
    printed: notice('reports.done'),
    problem: notice('reports.problem'),
    done: { type: 'final' },
  },
});

