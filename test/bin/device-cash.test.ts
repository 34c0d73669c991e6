import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BillAcceptorSimulator } from '../../drivers/cash/simulator.ts';
import { startSimulator, type RunningSimulator } from '../../drivers/core/simulator-host.ts';
import type { SimulatorEvent } from '../../drivers/core/simulator.ts';
import { runZizhu } from '../helpers/processes.ts';

/**
 * `zizhu device cash …` as a technician runs it: a child process against the simulator on a pty,
 * with the test feeding notes into the simulator while the child waits for them.
 */
let sim: RunningSimulator;
let seen: SimulatorEvent[];
let waiters: Set<() => void>;
beforeEach(async () => {
  sim = await startSimulator(new BillAcceptorSimulator({ serialNumber: 88001234 }));
  seen = [];
  waiters = new Set();
  sim.onEvent((e) => {
    seen.push(e);
    for (const w of [...waiters]) w();
  });
});
afterEach(async () => {
  await sim.close();
});

/** The `times`-th simulator event of this action, counting those already seen. */
function simEvent(action: string, times = 1): Promise<SimulatorEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`no ${times}× "${action}" from the simulator; saw ${JSON.stringify(seen)}`));
    }, 15_000);
    const check = () => {
      const hit = seen.filter((e) => e.action === action)[times - 1];
      if (!hit) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve(hit);
    };
    waiters.add(check);
    check();
  });
}

function control(line: string): Record<string, unknown> {
  const reply = sim.control(line);
  expect(reply, line).toMatchObject({ ok: true });
  return reply;
}

const device = (...args: string[]) => runZizhu(['device', 'cash', ...args, '--port', sim.port]);
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describe('zizhu device cash', () => {
  it('status prints identity, channels in fen and the cash box, as JSON and as a table', async () => {
    const run = await device('status', '--json');
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toEqual({
      status: 'online',
      cashbox: 'ok',
      enabled: false,
      jam: 'none',
      serialNumber: '88001234',
      firmware: '0390',
      currency: 'CNY',
      channels: [100, 500, 1000, 2000, 5000, 10000],
    });

    const table = await device('status');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^status\s+online$/m);
    expect(table.stdout).toMatch(/^channels\s+100, 500, 1000, 2000, 5000, 10000$/m);
  });

  it('status tells where a note left in the unit at power-up went', async () => {
    control('power-up-with-note cashbox 5000');
    const run = await device('status', '--json');
    expect(run.code).toBe(0);
    expect(json(run.stdout).events).toEqual([{ type: 'slaveReset' }, { type: 'noteClearedIntoCashbox', channel: 5, fen: 5000 }]);
  });

  it('accept takes notes up to --max, returns the one that would pass it, and disables the unit', async () => {
    const child = device('accept', '--max', '15000', '--timeout', '20', '--json');
    await simEvent('enabled');
    control('insert 10000');
    await simEvent('stacked');
    control('insert 10000');
    expect(await simEvent('returned')).toMatchObject({ fen: 10000, reason: 'host' });
    control('insert 5000');
    const run = await child;
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toEqual({ acceptedFen: 15000, notes: [10000, 5000], ended: 'amountReached' });
    expect(control('state')).toMatchObject({ enabled: false, cashbox: { notes: 2, fen: 15000 } });
  });

  it('accept exits 0 with what it took when --timeout passes first', async () => {
    const child = device('accept', '--max', '50000', '--timeout', '3');
    await simEvent('enabled');
    control('insert 2000');
    const run = await child;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^acceptedFen\s+2000$/m);
    expect(run.stdout).toMatch(/^notes\s+2000$/m);
    expect(run.stdout).toMatch(/^ended\s+stopped$/m);
    expect(control('state')).toMatchObject({ enabled: false });
  });

  it('accept exits 4 on a jam, with what was credited before it', async () => {
    const child = device('accept', '--max', '20000', '--timeout', '20', '--json');
    await simEvent('enabled');
    control('insert 10000');
    await simEvent('stacked');
    control('jam unsafe');
    const run = await child;
    expect(run.code).toBe(4);
    expect(json(run.stdout)).toMatchObject({ acceptedFen: 10000, notes: [10000], ended: 'fault', error: 'JAM', status: 'hardwareError', jam: 'unsafe' });
    expect(run.stderr).toBe('zizhu device cash accept: JAM: unsafe note jam (10000 fen taken)\n');
  });

  it('accept exits 3 when staff take the cash box out', async () => {
    const child = device('accept', '--max', '20000', '--timeout', '20', '--json');
    await simEvent('enabled');
    control('cashbox-remove');
    const run = await child;
    expect(run.code).toBe(3);
    expect(json(run.stdout)).toMatchObject({ acceptedFen: 0, error: 'CASHBOX_REMOVED', status: 'userError', cashbox: 'removed' });
    expect(run.stderr).toMatch(/^zizhu device cash accept: CASHBOX_REMOVED: /);
  });

  it('usage errors exit 2 and name what is wrong', async () => {
    const noMax = await device('accept');
    expect(noMax.code).toBe(2);
    expect(noMax.stderr).toContain('--max FEN must be a positive whole number of fen');
    const badMax = await device('accept', '--max', '12.5');
    expect(badMax.code).toBe(2);
    const badAction = await device('fly');
    expect(badAction.code).toBe(2);
    expect(badAction.stderr).toContain('action must be one of status, accept');
  });
});
