import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  AlipayClient,
  scenarioPrefixes,
  WechatPayClient,
  type AlipayCredentials,
  type ChannelName,
  type QrChannel,
  type RunningPaySimulator,
  type WechatCredentials,
} from '../../../central/pay/index.ts';

/** A clock the test moves by hand, shared by a simulator and a saga in the same process. */
export class ManualClock {
  constructor(public t = Date.UTC(2025, 5, 3, 2, 0, 0)) {}
  readonly now = (): number => this.t;
  readonly sleep = async (ms: number): Promise<void> => {
    this.t += ms;
  };
  advance(ms: number): void {
    this.t += ms;
  }
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function clientFor(sim: RunningPaySimulator, overrides: Partial<WechatCredentials & AlipayCredentials> & { url?: string; timeoutMs?: number } = {}): QrChannel {
  if (sim.channel === 'wechat') {
    const c = { ...(sim.credentials as WechatCredentials), ...overrides };
    return new WechatPayClient({ url: overrides.url ?? sim.url, appid: c.appid, mchId: c.mchId, apiKey: c.apiKey, timeoutMs: overrides.timeoutMs ?? 5000 });
  }
  const c = { ...(sim.credentials as AlipayCredentials), ...overrides };
  return new AlipayClient({ url: `${overrides.url ?? sim.url}/gateway.do`, appId: c.appId, appPrivateKey: c.appPrivateKey, alipayPublicKey: c.alipayPublicKey, timeoutMs: overrides.timeoutMs ?? 5000 });
}

let serial = 0;

/**
 * A fresh payment code of the channel (each is good for one order). `scenario` picks the default
 * behaviour: "00" password then paid, "01" password never, "02" expired, "03" insufficient,
 * "04" invalid; anything else pays at once.
 */
export function payCode(channel: ChannelName, scenario = '50'): string {
  serial += 1;
  return `${scenarioPrefixes[channel]}${scenario}${String(process.pid % 10_000).padStart(4, '0')}${String(serial).padStart(10, '0')}`;
}

let orders = 0;

/** 26 characters like the kiosk's ULIDs, unique in the test run. */
export function tradeNo(): string {
  orders += 1;
  return `01JTEST${String(process.pid).padStart(8, '0')}${String(orders).padStart(11, '0')}`;
}

/** A man in the middle that rewrites the channel's answers, to prove a forged answer is not believed. */
export async function tamperingProxy(target: string, rewrite: (body: string) => string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers, agent: false }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          const body = rewrite(Buffer.concat(parts).toString('utf8'));
          res.writeHead(answer.statusCode ?? 500, { 'content-type': answer.headers['content-type'] ?? 'text/plain' }).end(body);
        });
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
