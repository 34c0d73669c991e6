import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const zizhuBin = path.join(repoRoot, 'bin', 'zizhu');

/** Runs `bin/zizhu ARGS` to completion. */
export function runZizhu(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(zizhuBin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A `zizhu sim KIND` child: its port, its control replies and its events. */
export class SimProcess {
  readonly lines: Record<string, unknown>[] = [];
  private waiters: ((line: Record<string, unknown>) => void)[] = [];

  private constructor(
    readonly kind: string,
    readonly child: ChildProcess,
    readonly port: string,
  ) {}

  static async start(kind: string): Promise<SimProcess> {
    const child = spawn(zizhuBin, ['sim', kind], { stdio: ['pipe', 'pipe', 'inherit'] });
    const rl = readline.createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      rl.once('line', resolve);
      child.once('exit', (c) => reject(new Error(`sim ${kind} exited ${c}`)));
    });
    const sim = new SimProcess(kind, child, (JSON.parse(first) as { port: string }).port);
    rl.on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      sim.lines.push(parsed);
      for (const w of sim.waiters.splice(0)) w(parsed);
    });
    return sim;
  }

  /** Sends one control line and resolves with its reply. */
  async control(line: string): Promise<Record<string, unknown>> {
    const name = line.split(' ')[0];
    const reply = this.next((l) => l.command === name);
    this.child.stdin!.write(line + '\n');
    return reply;
  }

  next(match: (line: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sim ${this.kind}: no matching line within ${timeoutMs} ms`)), timeoutMs);
      const wait = (l: Record<string, unknown>) => {
        if (match(l)) {
          clearTimeout(timer);
          resolve(l);
        } else this.waiters.push(wait);
      };
      this.waiters.push(wait);
    });
  }

  /** The first line since `since` (an index into `lines`) that matches, already printed or still to come. */
  async find(match: (line: Record<string, unknown>) => boolean, since = 0, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const seen = this.lines.slice(since).find(match);
    return seen ?? this.next(match, timeoutMs);
  }

  events(event: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.event === event);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await done;
  }
}

export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}
