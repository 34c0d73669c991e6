import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { WechatPayClient, type WechatCredentials } from '../../../central/pay/index.ts';
import { runZizhu, stopChild, zizhuBin } from '../../helpers/processes.ts';
import { payCode, tempDir, tradeNo } from './helpers.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stopChild(c)));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Starts `zizhu ARGS` and resolves with its child and its first stdout line, parsed. */
async function serve(args: string[]): Promise<{ child: ChildProcess; first: Record<string, string> }> {
  const child = spawn(zizhuBin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`zizhu ${args.join(' ')} exited ${code} before its first line`)));
  });
  return { child, first: JSON.parse(line) as Record<string, string> };
}

async function control(url: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}/_sim/${route}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return response.json();
}

describe('zizhu pay-sim serve (child process)', () => {
  it('serves WeChat Pay from a data folder, takes control over HTTP, and keeps its ledger and keys across restarts', async () => {
    const data = tempDir('zizhu-pay-cli-');
    dirs.push(data);
    const { child, first } = await serve(['pay-sim', 'serve', '--channel', 'wechat', '--port', '0', '--data', data]);
    expect(first).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), channel: 'wechat', credentials: `${data}/credentials.json` });
    const credentials = JSON.parse(fs.readFileSync(first.credentials!, 'utf8')) as WechatCredentials;
    const client = new WechatPayClient({ url: first.url!, ...credentials });

    const paid = { authCode: payCode('wechat'), outTradeNo: tradeNo(), amountFen: 1500, description: '门诊缴费' };
    expect(await client.pay(paid)).toMatchObject({ status: 'paid', amountFen: 1500 });

    await control(first.url!, 'faults', { api: 'pay', fault: { mode: 'commitThenSilent', once: true } });
    const lost = { authCode: payCode('wechat'), outTradeNo: tradeNo(), amountFen: 700, description: '门诊缴费' };
    expect(await client.pay(lost).catch((e: unknown) => e)).toMatchObject({ code: 'NO_ANSWER', kind: 'unknown' });

    const expiring = payCode('wechat');
    await control(first.url!, 'behaviours', { pattern: expiring, exact: true, behaviour: { kind: 'expired' } });
    expect(await client.pay({ authCode: expiring, outTradeNo: tradeNo(), amountFen: 1, description: 'x' }).catch((e: unknown) => e)).toMatchObject({ code: 'AUTH_CODE_EXPIRED' });

    const ledger = (await control(first.url!, 'ledger')) as { totals: { collectedFen: number } };
    expect(ledger.totals.collectedFen).toBe(2200);

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const again = await serve(['pay-sim', 'serve', '--channel', 'wechat', '--port', '0', '--data', data]);
    const sameKeys = new WechatPayClient({ url: again.first.url!, ...credentials });
    expect(await sameKeys.query({ outTradeNo: lost.outTradeNo })).toMatchObject({ state: 'paid', amountFen: 700 });
  });

  it('exits 2 on a bad channel, port or missing data folder', async () => {
    const data = tempDir('zizhu-pay-cli-');
    dirs.push(data);
    const cases = [
      ['pay-sim', 'serve', '--channel', 'unionpay', '--port', '0', '--data', data],
      ['pay-sim', 'serve', '--channel', 'alipay', '--port', 'eighty', '--data', data],
      ['pay-sim', 'serve', '--channel', 'alipay', '--port', '0'],
      ['pay-sim', 'listen', '--channel', 'alipay', '--port', '0', '--data', data],
    ];
    const results = await Promise.all(cases.map((args) => runZizhu(args)));
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results[0]!.stderr).toContain('--channel');
    expect(results[1]!.stderr).toContain('--port');
    expect(results[2]!.stderr).toContain('--data');
  });
});
