import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../drivers/core/simulator-host.ts';
import { QrScannerSimulator } from '../../drivers/scanner/simulator.ts';
import { runZizhu } from '../helpers/processes.ts';

/** `zizhu device scanner read` as a technician runs it: a child process against the simulator on a pty. */
let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator(new QrScannerSimulator());
});
afterAll(async () => {
  await sim.close();
});

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

/**
 * Starts `read`, then scans once the child has the port open. The child opens the port some time
 * after it starts, and a scan before that belongs to nobody, so keep scanning until it exits.
 */
async function readWhile(scanLine: string, ...args: string[]) {
  const run = runZizhu(['device', 'scanner', 'read', '--port', sim.port, '--timeout', '20', ...args]);
  let done = false;
  void run.then(() => (done = true));
  while (!done) {
    sim.control(scanLine);
    await new Promise((r) => setTimeout(r, 150));
  }
  return run;
}

describe('zizhu device scanner read', () => {
  it('prints the kind and a masked code as JSON', async () => {
    const run = await readWhile('scan 134567890123456789', '--json');
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toEqual({ code: '**************6789', kind: 'wechat' });
    expect(run.stdout).not.toContain('1345678901');
  });

  it('shows the whole code with --reveal, as a table without --json', async () => {
    const run = await readWhile('scan 2812345678901234', '--reveal');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^code\s+2812345678901234$/m);
    expect(run.stdout).toMatch(/^kind\s+alipay$/m);
  });

  it('exits 3 when nothing is scanned before --timeout', async () => {
    const run = await runZizhu(['device', 'scanner', 'read', '--port', sim.port, '--timeout', '0.5', '--json']);
    expect(run.code).toBe(3);
    expect(json(run.stdout)).toEqual({ scanned: false });
    expect(run.stderr).toBe('zizhu device scanner read: nothing scanned within 0.5 s\n');
  });

  it('exits 4 on garbage, with the reason on one line', async () => {
    const run = await readWhile('garbage', '--json');
    expect(run.code).toBe(4);
    expect(json(run.stdout)).toMatchObject({ status: 'hardwareError', error: 'BAD_FRAME', reason: 'notText' });
    expect(run.stderr).toMatch(/^zizhu device scanner read: BAD_FRAME: [^\n]+\n$/);
  });

  it('exits 2 without --port', async () => {
    const run = await runZizhu(['device', 'scanner', 'read']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port PATH is required');
  });
});
