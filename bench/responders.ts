import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { centralStateSchema } from '../contract/facts.ts';
import { topics } from '../contract/topics.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const startTimeoutMs = 60_000;

/** Whatever answers the kiosks' requests during one phase: the real bridge or the bare echo. */
export interface Responder {
  stop(): Promise<void>;
}

/**
 * The real bridge as production runs it, `bin/zizhu bridge` in its own process, with its ledger and
 * the simulated HIS in `dir` (both SQLite, WAL, `synchronous=FULL`). Ready when its retained
 * `central/{worker}/state` says online.
 */
export async function startBridge(brokerUrl: string, dir: string): Promise<Responder> {
  fs.mkdirSync(dir, { recursive: true });
  const worker = 'bench';
  const monitor = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, clientId: `bench-monitor-${process.pid}`, clean: true, reconnectPeriod: 0 });
  const spawnedAt = Date.now();
  // The retained "offline" of the previous phase's bridge arrives first; only a newer "online" counts.
  const online = new Promise<void>((resolve) =>
    monitor.on('message', (_topic, payload) => {
      const state = centralStateSchema.safeParse(parseJson(payload));
      if (state.success && state.data.state === 'online' && state.data.ts >= spawnedAt) resolve();
    }),
  );
  await monitor.subscribeAsync(topics.centralState(worker), { qos: 1 });
  const log = fs.openSync(path.join(dir, 'bridge.log'), 'a');
  const child = spawn(
    path.join(repoRoot, 'bin', 'zizhu'),
    ['bridge', '--broker', brokerUrl, '--his', 'sim', '--his-data', path.join(dir, 'his'), '--ledger', path.join(dir, 'ledger.sqlite'), '--worker', worker],
    { stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  try {
    await Promise.race([online, exitedEarly(child, `bridge (log: ${path.join(dir, 'bridge.log')})`), timeout('the bridge to come online')]);
  } catch (e) {
    await stopChild(child);
    throw e;
  } finally {
    await monitor.endAsync();
  }
  return { stop: () => stopChild(child) };
}

/** bench/echo.ts in its own process, like the bridge, so both pay for a process of their own. */
export async function startEcho(brokerUrl: string): Promise<Responder> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench', 'echo.ts'), brokerUrl], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', () => resolve()));
  try {
    await Promise.race([ready, exitedEarly(child, 'echo responder'), timeout('the echo responder to subscribe')]);
  } catch (e) {
    await stopChild(child);
    throw e;
  }
  return { stop: () => stopChild(child) };
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function exitedEarly(child: ChildProcess, what: string): Promise<never> {
  return new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`${what} exited with ${code} before it was ready`))));
}

function timeout(what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`waited ${startTimeoutMs / 1000} s for ${what}`)), startTimeoutMs).unref());
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}
