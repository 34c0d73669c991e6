import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { InsuranceClient, insuredPersons, type PersonState } from '../../../central/insurance/index.ts';
import { runZizhu, stopChild, zizhuBin } from '../../helpers/processes.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stopChild(c)));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('zizhu insurance-sim serve (child process)', () => {
  it('prints its URL first, answers 1101, takes faults over HTTP, and stops on SIGTERM', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-insurance-cli-'));
    dirs.push(data);
    const child = spawn(zizhuBin, ['insurance-sim', 'serve', '--port', '0', '--data', data], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    const first = JSON.parse(
      await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`insurance-sim exited ${code}`)));
      }),
    ) as { url: string };
    expect(first).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });

    const client = new InsuranceClient({ url: first.url, fixmedinsCode: 'H33010000001', fixmedinsName: '示例市第一人民医院', mdtrtareaAdmvs: '330100', opter: 'KIOSK-001', opterName: '自助机1号' });
    const zhang = insuredPersons[0]!;
    expect(await client.personInfo({ certType: '02', certNo: zhang.certno })).toMatchObject({ psnNo: zhang.psnNo, name: '张伟' });

    const fault = await fetch(`${first.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ api: '1101', fault: { mode: 'error', once: true } }) });
    expect(fault.status).toBe(200);
    expect(await client.personInfo({ certType: '01', certNo: zhang.ecToken }).catch((e: unknown) => e)).toMatchObject({ code: 'REJECTED', kind: 'definite' });
    expect(await client.personInfo({ certType: '01', certNo: zhang.ecToken })).toMatchObject({ psnNo: zhang.psnNo });

    const bad = await fetch(`${first.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ api: '9999', fault: { mode: 'down' } }) });
    expect(bad.status).toBe(400);
    const { persons } = (await (await fetch(`${first.url}/_sim/persons`)).json()) as { persons: PersonState[] };
    expect(persons.find((p) => p.psnNo === zhang.psnNo)).toMatchObject({ acctBalanceFen: 123_456 });

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits 2 without a data folder or with a bad port', async () => {
    const results = await Promise.all([runZizhu(['insurance-sim', 'serve', '--port', '0']), runZizhu(['insurance-sim', 'serve', '--port', '70000', '--data', os.tmpdir()])]);
    expect(results.map((r) => r.code)).toEqual([2, 2]);
    expect(results[0]!.stderr).toContain('--data');
    expect(results[1]!.stderr).toContain('--port');
  });
});
