import { sleep } from '../core/abort.ts';
import { DeviceError, isDeviceError, type DeviceErrorCode } from '../core/device-error.ts';
import type { DeviceState, DeviceStatus, PaperLevel } from '../core/status.ts';
import { IppClient, terminalJobStates, type JobStatus, type PrinterAttributes, type PrinterState } from './ipp.ts';

/** `{status, paper, ...}`: the shared vocabulary of DESIGN.md §3, with the printer's own words beside it. */
export interface ReportPrinterStatus extends DeviceStatus {
  status: DeviceState;
  paper: PaperLevel;
  printerState: PrinterState;
  reasons: string[];
  accepting: boolean;
  model?: string;
}

export interface PrintOptions {
  signal?: AbortSignal;
  /** How long the job may take from submission to a terminal state (default 120 s). */
  timeoutMs?: number;
  jobName?: string;
}

export interface PrintResult {
  job: number;
  /** Only a completed job resolves: every other end is a DeviceError with `printed: false`. */
  state: 'completed';
  printed: true;
}

export interface ReportPrinterOptions {
  /** How long one IPP request may take (default 10 s). */
  requestTimeoutMs?: number;
  /** The longest gap between two questions about a submitted job's state (default 1 s). */
  pollMs?: number;
  userName?: string;
}

/**
 * printer-state-reasons that stop a job, RFC 8011 §5.4.12 and PWG 5100.9, by the code a caller
 * acts on. The severity suffix is ignored: ippeveprinter reports an empty tray as
 * `media-empty-report` while idle and `-warning` while a job waits, and the tray is as empty.
 */
const stoppingReasons: Record<string, DeviceErrorCode> = {
  'door-open': 'COVER_OPEN',
  'cover-open': 'COVER_OPEN',
  'interlock-open': 'COVER_OPEN',
  'media-jam': 'JAM',
  'media-empty': 'PAPER_OUT',
  'media-needed': 'PAPER_OUT',
  'input-tray-missing': 'PAPER_OUT',
  'toner-empty': 'OFFLINE',
  'marker-supply-empty': 'OFFLINE',
  paused: 'OFFLINE',
  shutdown: 'OFFLINE',
};
/** An open door comes first: staff open it to clear a jam, and trays read empty while it is open. */
const codePriority: DeviceErrorCode[] = ['COVER_OPEN', 'JAM', 'PAPER_OUT', 'OFFLINE'];

export function reasonKeyword(reason: string): string {
  return reason.replace(/-(report|warning|error)$/, '');
}

/** Why this printer cannot print now, as the code a caller acts on; undefined when nothing stops it. */
export function stoppingCondition(reasons: readonly string[]): DeviceErrorCode | undefined {
  const codes = new Set(reasons.map((r) => stoppingReasons[reasonKeyword(r)]).filter((c) => c !== undefined));
  return codePriority.find((c) => codes.has(c));
}

export function paperLevel(reasons: readonly string[]): PaperLevel {
  const keywords = reasons.map(reasonKeyword);
  if (keywords.includes('media-empty') || keywords.includes('media-needed')) return 'out';
  return keywords.includes('media-low') ? 'low' : 'ok';
}

/**
 * The shared status vocabulary. Paper out and an open door are `userError` (staff fix them without
 * a repair); a jam is `hardwareError`, as for every other device here; a printer that is stopped,
 * paused or refusing jobs is `offline`; one printing is `busy`.
 */
export function describePrinter(attrs: PrinterAttributes): ReportPrinterStatus {
  const condition = stoppingCondition(attrs.reasons);
  let status: DeviceState;
  if (condition === 'PAPER_OUT' || condition === 'COVER_OPEN') status = 'userError';
  else if (condition === 'JAM') status = 'hardwareError';
  else if (condition === 'OFFLINE' || attrs.state === 'stopped' || !attrs.accepting) status = 'offline';
  else if (attrs.state === 'processing') status = 'busy';
  else status = 'online';
  return {
    status,
    paper: paperLevel(attrs.reasons),
    printerState: attrs.state,
    reasons: attrs.reasons,
    accepting: attrs.accepting,
    ...(attrs.makeAndModel ? { model: attrs.makeAndModel } : {}),
  };
}

/**
 * Whether a job that is not finished is stopped, and why: the job says so (processing-stopped),
 * the printer is stopped, or the printer reports a condition that stops printing while the job
 * waits (ippeveprinter keeps a job "processing" while its tray is empty).
 */
export function stoppedJob(job: JobStatus, printer: PrinterAttributes): DeviceErrorCode | undefined {
  const condition = stoppingCondition([...printer.reasons, ...job.reasons]);
  if (condition) return condition;
  return job.state === 'stopped' || printer.state === 'stopped' ? 'OFFLINE' : undefined;
}

const REQUEST_TIMEOUT_MS = 10_000;
const PRINT_TIMEOUT_MS = 120_000;
const POLL_MS = 1000;
/** The first gap; it doubles up to pollMs, so a one-page job is seen done at once and a long one is not hammered. */
const FIRST_POLL_MS = 50;
/** A Cancel-Job on the way out must not hold the caller for long. */
const CANCEL_TIMEOUT_MS = 2000;

/**
 * The A4 report printer over IPP (reference/hardware-protocols.md §5): an IPP Everywhere printer
 * or a CUPS queue. Prints run one at a time, so a patient's report is never interleaved with the
 * next; `status()` does not wait behind a print, since IPP answers it at any time and the fleet
 * agent must see paper out while a job hangs on it.
 */
export class ReportPrinter {
  private readonly client: IppClient;
  private readonly requestTimeoutMs: number;
  private readonly pollMs: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly uri: string,
    options: ReportPrinterOptions = {},
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.client = new IppClient(uri, { requestTimeoutMs: this.requestTimeoutMs, userName: options.userName });
    this.pollMs = options.pollMs ?? POLL_MS;
  }

  async status(signal?: AbortSignal): Promise<ReportPrinterStatus> {
    return describePrinter(await this.client.getPrinterAttributes({ signal }));
  }

  /**
   * Prints a PDF and resolves once the printer reports the job completed. A printer that cannot
   * print now refuses before anything is sent. A job that stops (paper out, door open, jam), ends
   * aborted or canceled, or is not done by the deadline rejects with `printed: false`; a stopped
   * or overdue job is cancelled on the way out, so that a report nobody waits for any more does
   * not come out later for the next patient to take.
   */
  print(pdf: Buffer, options: PrintOptions = {}): Promise<PrintResult> {
    const run = this.queue.then(() => this.printNow(pdf, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async printNow(pdf: Buffer, options: PrintOptions): Promise<PrintResult> {
    const { signal, timeoutMs = PRINT_TIMEOUT_MS, jobName = 'lab-report' } = options;
    const deadline = Date.now() + timeoutMs;
    const left = () => Math.max(1, deadline - Date.now());
    /** Each request within its own limit and the job's deadline. */
    const within = () => ({ signal, timeoutMs: Math.min(this.requestTimeoutMs, left()) });

    const before = describePrinter(await this.client.getPrinterAttributes(within()));
    const refusal = stoppingCondition(before.reasons) ?? (before.status === 'offline' ? 'OFFLINE' : undefined);
    if (refusal) {
      throw new DeviceError(refusal, `cannot print: ${describeReasons(before.reasons, before.printerState)}`, {
        printed: false,
        started: false,
        reasons: before.reasons,
        paper: before.paper,
      });
    }

    // The signal does not cut the submission short: once the document is on its way the printer
    // may make a job of it, and only a job whose id we know can be cancelled.
    let job = await this.client.printJob(pdf, jobName, { timeoutMs: within().timeoutMs });
    let gap = Math.min(FIRST_POLL_MS, this.pollMs);
    try {
      for (;;) {
        if (job.state === 'completed') return { job: job.job, state: 'completed', printed: true };
        if (terminalJobStates.has(job.state)) throw await this.endedError(job, signal);
        if (signal?.aborted) throw new DeviceError('ABORTED', 'print aborted');
        const printer = await this.client.getPrinterAttributes(within());
        const stopped = stoppedJob(job, printer);
        if (stopped) {
          const reasons = printer.reasons.length ? printer.reasons : job.reasons;
          throw new DeviceError(stopped, `job ${job.job} stopped: ${describeReasons(reasons, printer.state)}`, {
            job: job.job,
            state: 'stopped',
            reasons: printer.reasons,
            jobReasons: job.reasons,
            printed: false,
            cancelRequested: await this.cancel(job.job),
          });
        }
        if (Date.now() >= deadline) {
          throw new DeviceError('TIMEOUT', `job ${job.job} still ${job.state} after ${timeoutMs} ms`, {
            job: job.job,
            state: job.state,
            reasons: printer.reasons,
            jobReasons: job.reasons,
            printed: false,
            cancelRequested: await this.cancel(job.job),
          });
        }
        await sleep(Math.min(gap, left()), signal, 'print');
        gap = Math.min(gap * 2, this.pollMs);
        job = await this.client.getJobAttributes(job.job, within());
      }
    } catch (e) {
      // Abandoned by the caller, cut off by the deadline or the line mid-request: whatever the job
      // does next, nobody is waiting for it, so it must not print later.
      if (isDeviceError(e) && e.detail.job === undefined) {
        throw new DeviceError(e.code, e.message, { ...e.detail, job: job.job, state: job.state, printed: false, cancelRequested: await this.cancel(job.job) });
      }
      throw e;
    }
  }

  /** An aborted or canceled job, with the printer's reasons when they explain it. */
  private async endedError(job: JobStatus, signal: AbortSignal | undefined): Promise<DeviceError> {
    const printer = await this.client.getPrinterAttributes({ signal }).catch(() => undefined);
    const reasons = printer?.reasons ?? [];
    const code = job.state === 'aborted' ? (stoppingCondition(reasons) ?? 'DEVICE_REPORTED') : 'DEVICE_REPORTED';
    const why = job.message ?? describeReasons(job.reasons, printer?.state);
    return new DeviceError(code, `job ${job.job} ${job.state}: ${why}`, { job: job.job, state: job.state, reasons, jobReasons: job.reasons, printed: false });
  }

  /** Best effort: true when the printer took the Cancel-Job. */
  private async cancel(job: number): Promise<boolean> {
    try {
      await this.client.cancelJob(job, { timeoutMs: CANCEL_TIMEOUT_MS });
      return true;
    } catch {
      return false;
    }
  }
}

function describeReasons(reasons: readonly string[], state: PrinterState | undefined): string {
  if (reasons.length) return reasons.join(', ');
  return state ? `printer ${state}` : 'no reason given';
}
