import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardDispenserSimulator } from '../../drivers/card/simulator.ts';
import { startSimulator, type RunningSimulator } from '../../drivers/core/simulator-host.ts';
import { runZizhu } from '../helpers/processes.ts';

/** `zizhu device card …` as a technician runs it: a child process against the simulator on a pty. */
let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator(new CardDispenserSimulator({ stacker: 3, cards: ['800000001234', '800000005678'] }));
});
afterAll(async () => {
  await sim.close();
});

const device = (...args: string[]) => runZizhu(['device', 'card', ...args, '--port', sim.port]);
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describe('zizhu device card', () => {
  it('status prints the shared vocabulary as JSON, and a table without --json', async () => {
    const run = await device('status', '--json');
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toMatchObject({ status: 'online', cardAt: 'none', stacker: 'low', bin: 'ok', firmware: 'CRT-591-M001' });

    const table = await device('status');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^status\s+online$/m);
    expect(table.stdout).toMatch(/^cardAt\s+none$/m);
  });

  it('dispense, read (masked unless --reveal), eject, then the patient takes it', async () => {
    expect(json((await device('dispense', '--json')).stdout)).toMatchObject({ cardAt: 'reader' });
    const masked = await device('read', '--json', '--timeout', '2');
    expect(masked.code).toBe(0);
    expect(json(masked.stdout).cardNo).toBe('********1234');
    expect(json((await device('read', '--json', '--reveal')).stdout).cardNo).toBe('800000001234');
    expect(json((await device('eject', '--json')).stdout)).toMatchObject({ cardAt: 'gate' });
    expect(sim.control('take')).toMatchObject({ ok: true });
  });

  it('read with no card before --timeout exits 3 with the reason', async () => {
    const run = await device('read', '--json', '--timeout', '0.5');
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no card at the reader before the timeout');
    expect(json(run.stdout)).toMatchObject({ status: 'online', cardAt: 'none' });
  });

  it('capture with nothing inside is a user-side condition; a jam is a device fault', async () => {
    const empty = await device('capture', '--json');
    expect(empty.code).toBe(3);
    expect(json(empty.stdout)).toMatchObject({ error: 'NO_CARD' });

    sim.control('jam');
    const jammed = await device('dispense', '--json');
    sim.control('unjam');
    expect(jammed.code).toBe(4);
    expect(jammed.stderr).toMatch(/^zizhu device card dispense: \w+: /);
  });

  it('usage errors exit 2 and name what is wrong', async () => {
    const noPort = await runZizhu(['device', 'card', 'status']);
    expect(noPort.code).toBe(2);
    expect(noPort.stderr).toContain('--port PATH is required');
    const badAction = await runZizhu(['device', 'card', 'fly', '--port', sim.port]);
    expect(badAction.code).toBe(2);
    expect(badAction.stderr).toContain('action must be one of status, dispense, eject, capture, read');
    const noWait = await device('status', '--timeout', '3');
    expect(noWait.code).toBe(2);
  });
});
