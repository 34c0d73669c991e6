import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../drivers/core/simulator-host.ts';
import { IdCardReaderSimulator, idCardProfiles } from '../../drivers/idcard/simulator.ts';
import { runZizhu } from '../helpers/processes.ts';

/** `zizhu device idcard …` as a technician runs it: a child process against the simulator on a pty. */
let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator(new IdCardReaderSimulator({ samId: '05.01-20240315-0000123456-0000654321' }));
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  for (const line of ['silent off', 'sam-fault off', 'garble off']) control(line);
  if (sim.control('state').field !== 'empty') control('remove');
});

function control(line: string): Record<string, unknown> {
  const reply = sim.control(line);
  expect(reply, line).toMatchObject({ ok: true });
  return reply;
}

const device = (...args: string[]) => runZizhu(['device', 'idcard', ...args, '--port', sim.port]);
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;
/** The runner's contract: exactly one line on stderr, naming the command. */
function reason(stderr: string, action: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^zizhu device idcard ${action}: `));
  return lines[0]!;
}

describe('zizhu device idcard', () => {
  it('status resets the module and prints {status, samId}, as JSON and as a table', async () => {
    const run = await device('status', '--json');
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toEqual({ status: 'online', samId: '05.01-20240315-0000123456-0000654321' });

    const table = await device('status');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^status\s+online$/m);
    expect(table.stdout).toMatch(/^samId\s+05\.01-20240315-0000123456-0000654321$/m);
  });

  it('read prints the holder with name, address and ID number masked; --reveal prints them whole', async () => {
    control('place wang-zhe');
    const masked = await device('read', '--json', '--timeout', '2');
    expect(masked.code).toBe(0);
    expect(json(masked.stdout)).toEqual({
      name: '王*',
      sex: 'male',
      nation: '汉',
      nationCode: '01',
      birthDate: '1989-01-05',
      address: `浙江省杭州市${'*'.repeat(11)}`,
      idNumber: `330${'*'.repeat(11)}0138`,
      issuer: '杭州市公安局上城分局',
      validFrom: '2016-03-08',
      validTo: '2036-03-08',
    });
    expect(masked.stdout).not.toContain('王喆');

    control('remove');
    control('place ouyang-ming');
    const revealed = await device('read', '--json', '--reveal', '--timeout', '2');
    expect(revealed.code).toBe(0);
    expect(json(revealed.stdout)).toEqual(idCardProfiles['ouyang-ming']);

    control('remove');
    control('place zhao-kun');
    const table = await device('read', '--reveal', '--timeout', '2');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^name\s+赵堃$/m);
    expect(table.stdout).toMatch(/^nation\s+满$/m);
    expect(table.stdout).toMatch(/^validTo\s+2039-07-22$/m);
  });

  it('read with no card before --timeout exits 3: no ID card in the field', async () => {
    const run = await device('read', '--json', '--timeout', '0.5');
    expect(run.code).toBe(3);
    expect(reason(run.stderr, 'read')).toContain('NO_CARD: no ID card in the field');
    expect(json(run.stdout)).toMatchObject({ status: 'userError', error: 'NO_CARD', sw3: '80' });
  });

  it('a second read of the card still on the reader exits 3 and says to place it again', async () => {
    control('place chen-jing');
    expect((await device('read', '--json', '--timeout', '2')).code).toBe(0);
    const again = await device('read', '--json', '--timeout', '0.5');
    expect(again.code).toBe(3);
    expect(reason(again.stderr, 'read')).toContain('lift it off the reader and place it again');
  });

  it('a noisy line and a reply in pieces still read', async () => {
    control('place zhao-kun');
    control('noise');
    control('split readBase 6');
    const run = await device('read', '--json', '--reveal', '--timeout', '2');
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toMatchObject({ name: '赵堃', idNumber: '330110198106110613' });
  });

  it('replies that always fail their checksum exit 4 with BAD_FRAME', async () => {
    control('place');
    control('garble on');
    const run = await device('read', '--json', '--timeout', '2');
    expect(run.code).toBe(4);
    expect(reason(run.stderr, 'read')).toContain('BAD_FRAME');
    expect(json(run.stdout)).toMatchObject({ status: 'hardwareError', error: 'BAD_FRAME' });
  });

  it('a wrong ID check digit exits 4 as a protocol error without printing the number', async () => {
    control('place bad-check');
    const run = await device('read', '--json', '--timeout', '2');
    expect(run.code).toBe(4);
    expect(reason(run.stderr, 'read')).toContain('PROTOCOL: ID card ID number check digit is 7, expected 8');
    expect(json(run.stdout)).toMatchObject({ error: 'PROTOCOL', field: 'idNumber' });
    expect(run.stdout + run.stderr).not.toContain('330102198901050137');
  });

  it('a silent module exits 4 with TIMEOUT', async () => {
    control('silent on');
    const run = await device('status', '--json');
    expect(run.code).toBe(4);
    expect(reason(run.stderr, 'status')).toContain('TIMEOUT: no reply to reset');
  });

  it('a failed SAM exits 4: hardwareError from status, DEVICE_REPORTED from read', async () => {
    control('sam-fault on');
    const status = await device('status', '--json');
    expect(status.code).toBe(4);
    expect(json(status.stdout)).toEqual({ status: 'hardwareError', samError: 'selfTestFailed', sw3: '60' });
    expect(reason(status.stderr, 'status')).toContain('SAM module reports selfTestFailed (SW3 60)');

    control('place');
    const read = await device('read', '--json', '--timeout', '2');
    expect(read.code).toBe(4);
    expect(json(read.stdout)).toMatchObject({ error: 'DEVICE_REPORTED', sw3: '60' });
  });

  it('status does not wait, so --timeout is a usage error', async () => {
    const run = await device('status', '--timeout', '3');
    expect(run.code).toBe(2);
  });
});
