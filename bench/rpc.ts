import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startBroker, type RunningBroker } from '../central/broker/mosquitto.ts';
import { fsyncedCommitsPerSecond } from './disk.ts';
import { Fleet, type PhaseOptions } from './fleet.ts';
import { describeMachine, rounded, scenario, table, type BenchReport } from './report.ts';
import { startBridge, startEcho, type Responder } from './responders.ts';
import { benchPatients, workloadNames, workloads, type WorkloadName } from './workloads.ts';

/**
 * The central RPC path under load (DESIGN.md §8 "Benchmarks"): simulated kiosks against the real
 * Mosquitto and the real bridge process, each figure beside a bare MQTT echo measured on the same
 * broker in the same run, so the ratio means something on any machine. docs/benchmarks.md.
 *
 *   npx tsx bench/rpc.ts [--kiosks 1,100,1000] [--seconds N] [--warmup N] [--workloads read,money] [--json]
 */
const usage = 'usage: npx tsx bench/rpc.ts [--kiosks 1,100,1000] [--seconds N] [--warmup N] [--workloads read,money] [--json]';

interface Settings {
  kiosks: number[];
  workloads: WorkloadName[];
  warmupSeconds: number;
  windowSeconds: number;
  json: boolean;
}

/** Long enough that a kiosk at 1,000 never gives up on a slow bridge; a lost answer shows as "no answer". */
const rpcTimeoutMs = 30_000;
/** File descriptors this process needs besides one per kiosk connection. */
const spareDescriptors = 64;

function settingsFrom(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      kiosks: { type: 'string', default: '1,100,1000' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      workloads: { type: 'string', default: workloadNames.join(',') },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const kiosks = values.kiosks.split(',').map((k) => Number(k.trim()));
  if (kiosks.length === 0 || !kiosks.every((k) => Number.isSafeInteger(k) && k >= 1 && k <= 10_000)) {
    throw new UsageError('--kiosks must be a comma-separated list of whole numbers from 1 to 10000, e.g. 1,100,1000');
  }
  const limit = openFilesLimit();
  if (limit !== undefined && Math.max(...kiosks) + spareDescriptors > limit) {
    throw new UsageError(`--kiosks ${Math.max(...kiosks)} needs more than the ${limit} open files allowed here (ulimit -n): raise it or use fewer kiosks`);
  }
  const names = values.workloads.split(',').map((w) => w.trim());
  const unknown = names.find((w) => !(workloadNames as readonly string[]).includes(w));
  if (unknown !== undefined || names.length === 0) throw new UsageError(`--workloads must list ${workloadNames.join(' and/or ')}, comma-separated`);
  const seconds = (flag: string, raw: string, min: number) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > 600) throw new UsageError(`--${flag} must be a number of seconds from ${min} to 600`);
    return n;
  };
  return {
    kiosks,
    workloads: names as WorkloadName[],
    windowSeconds: seconds('seconds', values.seconds, 1),
    warmupSeconds: seconds('warmup', values.warmup, 0),
    json: values.json,
  };
}

class UsageError extends Error {}

function openFilesLimit(): number | undefined {
  const r = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

async function main(settings: Settings): Promise<BenchReport> {
  const began = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-bench-'));
  const progress = (msg: string) => process.stderr.write(`[${String(Math.round((Date.now() - began) / 1000)).padStart(3)} s] ${msg}\n`);
  const report: BenchReport = {
    benchmark: 'rpc',
    startedAt: new Date(began).toISOString(),
    machine: describeMachine(dir),
    settings: {
      kiosks: settings.kiosks,
      workloads: settings.workloads.map((w) => ({ name: w, description: workloads[w].description })),
      warmupSeconds: settings.warmupSeconds,
      windowSeconds: settings.windowSeconds,
      rpcTimeoutMs,
    },
    scenarios: [],
  };
  const phase: PhaseOptions = { warmupMs: settings.warmupSeconds * 1000, windowMs: settings.windowSeconds * 1000, rpcTimeoutMs };
  let broker: RunningBroker | undefined;
  let fleet: Fleet | undefined;
  let responder: Responder | undefined;
  let failed = true;
  try {
    const patients = benchPatients();
    broker = await startBroker({ port: await freePort(), dataDir: path.join(dir, 'broker') });
    progress(`broker on ${broker.url}; data in ${dir}`);
    for (const count of settings.kiosks) {
      progress(`${count} kiosks: connecting`);
      fleet = await Fleet.connect(broker.url, count);
      const scripts = (w: WorkloadName) => Array.from({ length: count }, (_, i) => workloads[w].script(patients[i % patients.length]!));

      progress(`${count} kiosks: echo`);
      responder = await startEcho(broker.url);
      const echo = rounded(await fleet.run(scripts('read'), phase));
      await responder.stop();
      responder = undefined;

      for (const w of settings.workloads) {
        progress(`${count} kiosks: bridge, ${w}`);
        // A fresh ledger and HIS per phase, so no phase pays for the rows an earlier one left.
        responder = await startBridge(broker.url, path.join(dir, `bridge-${count}-${w}`));
        const bridge = rounded(await fleet.run(scripts(w), phase));
        await responder.stop();
        responder = undefined;
        report.scenarios.push(scenario(count, w, bridge, echo));
        progress(`${count} kiosks, ${w}: bridge ${bridge.rps.toFixed(0)} req/s, echo ${echo.rps.toFixed(0)} req/s`);
      }
      await fleet.stop();
      fleet = undefined;
    }
    report.machine.diskCommitsPerSecond.end = fsyncedCommitsPerSecond(dir);
    failed = false;
  } finally {
    await responder?.stop();
    await fleet?.stop();
    await broker?.stop();
    // Kept when something broke: the bridge logs are in there.
    if (failed) progress(`data kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  report.machine.loadAverage.end = Math.round(os.loadavg()[0]! * 100) / 100;
  report.durationSeconds = Math.round((Date.now() - began) / 1000);
  return report;
}

let settings: Settings;
try {
  settings = settingsFrom(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError) && !(e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) throw e;
  console.error(`bench/rpc.ts: ${e.message}\n${usage}`);
  process.exit(2);
}
const report = await main(settings);
console.log(settings.json ? JSON.stringify(report, null, 2) : table(report));
