import { setTimeout as sleep } from 'node:timers/promises';
import { BenchKiosk, NoAnswer } from './kiosk.ts';
import type { KioskScript } from './workloads.ts';

/** One measured phase: answers that arrived inside the measuring window. */
export interface PhaseResult {
  /** OK answers received inside the window. */
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Anything but OK inside the window, by status and code (or "no answer"); empty when all went well. */
  failures: Record<string, number>;
  /** The same by op: a mix of a cheap and a dear op has a p50 of one and a p99 of the other. */
  byOp: Record<string, { requests: number; p50Ms: number; p99Ms: number }>;
}

export interface PhaseOptions {
  warmupMs: number;
  windowMs: number;
  rpcTimeoutMs: number;
}

/** Connections opened at once: a thousand simultaneous CONNECTs would only measure the accept queue. */
const connectBatch = 100;

/**
 * Simulated kiosks (bench/kiosk.ts), each with its own connection, all in this process. Each keeps
 * one request in flight, as a kiosk serving one patient does.
 */
export class Fleet {
  private constructor(private readonly kiosks: BenchKiosk[]) {}

  static async connect(brokerUrl: string, count: number): Promise<Fleet> {
    const kiosks: BenchKiosk[] = [];
    for (let first = 0; first < count; first += connectBatch) {
      const batch = Array.from({ length: Math.min(connectBatch, count - first) }, (_, i) => BenchKiosk.connect(kioskId(first + i), brokerUrl));
      kiosks.push(...(await Promise.all(batch)));
    }
    return new Fleet(kiosks);
  }

  /** Closed loop for warm-up plus window; only answers that arrive inside the window are counted. */
  async run(scripts: KioskScript[], options: PhaseOptions): Promise<PhaseResult> {
    const from = performance.now() + options.warmupMs;
    const until = from + options.windowMs;
    const latencies: number[] = [];
    const byOp: Record<string, number[]> = {};
    const failures: Record<string, number> = {};
    await Promise.all(
      this.kiosks.map(async (kiosk, i) => {
        const script = scripts[i]!;
        while (performance.now() < until) {
          const call = script.next();
          const sent = performance.now();
          let failure: string | undefined;
          try {
            const answer = await kiosk.rpc({ ...call, timeoutMs: options.rpcTimeoutMs });
            if (answer.status !== 'OK') failure = `${[answer.status, answer.code].filter(Boolean).join(' ')}: ${answer.message ?? ''}`.slice(0, 160);
          } catch (e) {
            failure = e instanceof NoAnswer ? (kiosk.connected ? 'no answer' : 'kiosk disconnected') : (e as Error).message;
            // A lost connection fails every call at once: do not spin.
            await sleep(100);
          }
          const answered = performance.now();
          if (answered < from || answered > until) continue;
          if (failure) failures[failure] = (failures[failure] ?? 0) + 1;
          else {
            latencies.push(answered - sent);
            (byOp[call.op] ??= []).push(answered - sent);
          }
        }
      }),
    );
    const summary = (list: number[]) => {
      list.sort((a, b) => a - b);
      return { requests: list.length, p50Ms: percentile(list, 50), p99Ms: percentile(list, 99) };
    };
    const all = summary(latencies);
    return {
      ...all,
      rps: all.requests / (options.windowMs / 1000),
      failures,
      byOp: Object.fromEntries(Object.entries(byOp).map(([op, list]) => [op, summary(list)])),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.kiosks.map((k) => k.stop()));
  }
}

export function kioskId(n: number): string {
  return `BENCH-${String(n + 1).padStart(4, '0')}`;
}

/** Nearest-rank percentile of an ascending list; NaN when nothing was measured. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
