import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fsyncedCommitsPerSecond } from './disk.ts';
import type { PhaseResult } from './fleet.ts';
import type { WorkloadName } from './workloads.ts';

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  mosquitto: string;
  os: string;
  memoryGiB: number;
  /** 1-minute load average when the run started and when it ended: other work on the machine shows here. */
  loadAverage: { start: number; end?: number };
  /** Where the ledger and HIS files live; tmpfs would make every fsync free and the figures a flattery. */
  dataDir: { path: string; tmpfs: boolean };
  /** Bare fsynced SQLite commits per second in the data folder (bench/disk.ts), at start and end. */
  diskCommitsPerSecond: { start: number; end?: number };
}

export interface Scenario {
  kiosks: number;
  workload: WorkloadName;
  bridge: PhaseResult;
  echo: PhaseResult;
  /** bridge / echo: below 1 for req/s means slower than the echo; above 1 for latency means slower. */
  ratio: { rps: number; p50: number; p99: number };
}

export interface BenchReport {
  benchmark: 'rpc';
  startedAt: string;
  machine: Machine;
  settings: { kiosks: number[]; workloads: { name: WorkloadName; description: string }[]; warmupSeconds: number; windowSeconds: number; rpcTimeoutMs: number };
  scenarios: Scenario[];
  durationSeconds?: number;
}

const tmpfsMagic = 0x01021994;

export function describeMachine(dataDir: string): Machine {
  const cpus = os.cpus();
  const binary = fs.existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
  // `mosquitto -h` prints its version first and exits non-zero, which is fine here.
  const help = spawnSync(binary, ['-h'], { encoding: 'utf8' });
  const version = /mosquitto version (\S+)/.exec(`${help.stdout ?? ''}${help.stderr ?? ''}`)?.[1] ?? 'unknown';
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    mosquitto: version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: { start: round(os.loadavg()[0]!, 2) },
    dataDir: { path: dataDir, tmpfs: fs.statfsSync(dataDir).type === tmpfsMagic },
    diskCommitsPerSecond: { start: fsyncedCommitsPerSecond(dataDir) },
  };
}

export function scenario(kiosks: number, workload: WorkloadName, bridge: PhaseResult, echo: PhaseResult): Scenario {
  return { kiosks, workload, bridge, echo, ratio: { rps: round(bridge.rps / echo.rps, 3), p50: round(bridge.p50Ms / echo.p50Ms, 2), p99: round(bridge.p99Ms / echo.p99Ms, 2) } };
}

/** Rounds the figures for the JSON output; the table formats its own. */
export function rounded(result: PhaseResult): PhaseResult {
  const ms = <T extends { p50Ms: number; p99Ms: number }>(r: T): T => ({ ...r, p50Ms: round(r.p50Ms, 2), p99Ms: round(r.p99Ms, 2) });
  return { ...ms(result), rps: round(result.rps, 1), byOp: Object.fromEntries(Object.entries(result.byOp).map(([op, r]) => [op, ms(r)])) };
}

export function table(report: BenchReport): string {
  const m = report.machine;
  const s = report.settings;
  const header = ['kiosks', 'workload', 'bridge req/s', 'p50 ms', 'p99 ms', 'echo req/s', 'p50 ms', 'p99 ms', 'req/s ratio', 'p50 ratio', 'p99 ratio'];
  const rows = report.scenarios.map((c) => [
    String(c.kiosks),
    c.workload,
    fixed(c.bridge.rps, 0),
    fixed(c.bridge.p50Ms, 2),
    fixed(c.bridge.p99Ms, 2),
    fixed(c.echo.rps, 0),
    fixed(c.echo.p50Ms, 2),
    fixed(c.echo.p99Ms, 2),
    fixed(c.ratio.rps, 3),
    fixed(c.ratio.p50, 2),
    fixed(c.ratio.p99, 2),
  ]);
  const opHeader = ['kiosks', 'workload', 'op', 'answers', 'p50 ms', 'p99 ms'];
  const opRows = report.scenarios.flatMap((c) =>
    Object.entries(c.bridge.byOp)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, r]) => [String(c.kiosks), c.workload, op, String(r.requests), fixed(r.p50Ms, 2), fixed(r.p99Ms, 2)]),
  );
  const failures = report.scenarios.flatMap((c) =>
    (['bridge', 'echo'] as const).flatMap((who) => [
      ...(c[who].requests === 0 ? [`  ${c.kiosks} kiosks, ${c.workload}, ${who}: no OK answer arrived inside the window`] : []),
      ...Object.entries(c[who].failures).map(([what, n]) => `  ${c.kiosks} kiosks, ${c.workload}, ${who}: ${n} × ${what}`),
    ]),
  );
  return [
    `zizhu RPC benchmark, ${report.startedAt}`,
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; mosquitto ${m.mosquitto}`,
    `load average (1 min): ${m.loadAverage.start} at start, ${m.loadAverage.end ?? '?'} at end; data in ${m.dataDir.path}${m.dataDir.tmpfs ? ' (tmpfs: fsync is free, figures flatter the ledger)' : ''}`,
    `disk: ${m.diskCommitsPerSecond.start} fsynced SQLite commits/s at start, ${m.diskCommitsPerSecond.end ?? '?'} at end (WAL, synchronous=FULL, as the ledger)`,
    `each phase: ${s.warmupSeconds} s warm-up, then ${s.windowSeconds} s measured; closed loop, one request in flight per kiosk`,
    ...s.workloads.map((w) => `  ${w.name}: ${w.description}`),
    `  echo: a bare MQTT 5 responder on the bridge's shared subscription (bench/echo.ts), same kiosks, read requests`,
    '',
    ...columns(header, rows),
    '',
    'the bridge by op:',
    ...columns(opHeader, opRows),
    '',
    'ratio = bridge / echo, the two phases run back to back on the same broker with the same kiosks.',
    ...(failures.length ? ['not all well inside the windows:', ...failures] : ['every answer inside the windows was OK.']),
    ...(report.durationSeconds !== undefined ? [`whole run: ${report.durationSeconds} s`] : []),
  ].join('\n');
}

/** Text columns left-aligned, numbers right-aligned. */
function columns(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const text = (i: number) => rows.length > 0 && rows.every((r) => Number.isNaN(Number(r[i])) && r[i] !== '-');
  const line = (cells: string[]) => cells.map((c, i) => (text(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
