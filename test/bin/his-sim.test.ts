import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HisError, HisSimulator, type BillRecord, type Fixtures } from '../../central/his/index.ts';

const zizhu = fileURLToPath(new URL('../../bin/zizhu', import.meta.url));
const dirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-his-cli-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(zizhu, ['his-sim', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Each command prints exactly one JSON object on one line. */
function oneJson<T>(stdout: string): T {
  const lines = stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as T;
}

function withSimulator<T>(dir: string, use: (his: HisSimulator) => Promise<T>): Promise<T> {
  const his = HisSimulator.open(dir);
  return use(his).finally(() => his.close());
}

describe('zizhu his-sim (child process)', () => {
  it('fixtures without --data prints the seed and leaves no scratch folder behind', async () => {
    const tmp = tempDir();
    const result = await run(['fixtures'], { ...process.env, TMPDIR: tmp });
    expect(result.code).toBe(0);
    const fixtures = oneJson<Fixtures>(result.stdout);
    expect(fixtures.hospital.name).toBe('示例市第一人民医院');
    expect(fixtures.patients.length).toBeGreaterThanOrEqual(8);
    for (const p of fixtures.patients) {
      expect(p).toMatchObject({ patientId: expect.any(String), cardNo: expect.stringMatching(/^\d{10}$/), idNumber: expect.stringMatching(/^\d{17}[\dX]$/), name: expect.any(String) });
      for (const b of p.bills) expect(Number.isSafeInteger(b.amountFen)).toBe(true);
    }
    // tsx keeps its compile cache in TMPDIR too; only our scratch folder must be gone.
    expect(fs.readdirSync(tmp).filter((name) => name.startsWith('zizhu-'))).toEqual([]);
    expect(await withSimulator(tempDir(), async (his) => his.fixtures())).toEqual(fixtures);
  });

  it('bills shows what a settle did to the data folder', async () => {
    const data = tempDir();
    const tradeNo = '01JXAMPLE0000000000000CLI1';
    const receipt = await withSimulator(data, async (his) => {
      const pre = await his.preSettle({ patientId: 'P0003', billNos: ['MZ00000302'], tradeNo });
      return his.settle({
        preSettleId: pre.preSettleId, tradeNo,
        payment: { method: 'card', amountFen: pre.selfFen, rrn: '512345678902', trace: '000124', batch: '000045', authCode: '111111', panMasked: '622848******5678', tid: '10000001', mid: '898330160120001', settleDate: '2026-06-03' },
      });
    });
    const result = await run(['bills', '--patient', 'P0003', '--data', data]);
    expect(result.code).toBe(0);
    const shown = oneJson<{ patientId: string; bills: BillRecord[] }>(result.stdout);
    expect(shown.patientId).toBe('P0003');
    expect(shown.bills.map((b) => [b.billNo, b.paid])).toEqual([['MZ00000301', false], ['MZ00000302', true], ['MZ00000303', false]]);
    expect(shown.bills[1]).toMatchObject({ amountFen: 1500, department: '外科', hisReceiptNo: receipt.hisReceiptNo, tradeNo });
    expect(shown.bills[1]!.items).toEqual([{ name: '换药（小）', qty: 1, unit: '次', priceFen: 1500, amountFen: 1500, insuranceCode: '001206000020000' }]);
    expect(shown.bills[0]).not.toHaveProperty('hisReceiptNo');
  });

  it('bills exits 2 without --data and 3 for an unknown patient', async () => {
    const missing = await run(['bills', '--patient', 'P0001']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--data');
    const unknown = await run(['bills', '--patient', 'P9999', '--data', tempDir()]);
    expect(unknown.code).toBe(3);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('P9999');
  });

  it('fault breaks the HIS of another process on the same folder, and clear mends it', async () => {
    const data = tempDir();
    const set = await run(['fault', '--data', data, '--fn', 'queryTrade', '--mode', 'error', '--code', 'REJECTED', '--once']);
    expect(set.code).toBe(0);
    expect(oneJson(set.stdout)).toEqual({ fn: 'queryTrade', fault: { mode: 'error', code: 'REJECTED', once: true } });
    await withSimulator(data, async (his) => {
      const error = await his.queryTrade({ tradeNo: 'T1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HisError);
      expect(error).toMatchObject({ code: 'REJECTED', kind: 'definite' });
      expect(await his.queryTrade({ tradeNo: 'T1' })).toEqual({ state: 'notFound' });
    });

    expect((await run(['fault', '--data', data, '--fn', 'settle', '--mode', 'down'])).code).toBe(0);
    const clear = await run(['fault', '--data', data, '--fn', 'settle', '--mode', 'clear']);
    expect(oneJson(clear.stdout)).toEqual({ fn: 'settle', fault: null });
    await withSimulator(data, async (his) => {
      const error = await his.settle({ preSettleId: 'PS99999999', tradeNo: 'T1', payment: { method: 'card', amountFen: 1, rrn: '512345678903', trace: '000125', batch: '000045', authCode: '111112', panMasked: '622848******5678', tid: '10000001', mid: '898330160120001', settleDate: '2026-06-03' } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PRESETTLE_NOT_FOUND' });
    });
  });

  it('fault exits 2 on a bad function, mode, code or delay', async () => {
    const data = tempDir();
    const cases = [
      ['--fn', 'refund', '--mode', 'down'],
      ['--fn', 'settle', '--mode', 'sideways'],
      ['--fn', 'settle', '--mode', 'error', '--code', 'NOPE'],
      ['--fn', 'settle', '--mode', 'slow', '--ms', 'soon'],
      ['--fn', 'settle', '--mode', 'down', '--ms', '5'],
    ];
    const results = await Promise.all(cases.map((args) => run(['fault', '--data', data, ...args])));
    expect(results.map((r) => r.code)).toEqual(cases.map(() => 2));
  });
});
