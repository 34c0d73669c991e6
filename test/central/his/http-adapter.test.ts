import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../central/broker/mosquitto.ts';
import { HttpHis } from '../../../central/his/http-adapter.ts';
import { startHisServer, type RunningHisServer } from '../../../central/his/http-server.ts';
import { card, cleanUp, refusedWith, serveChild, simulator, tempDir } from './harness.ts';

/**
 * The HTTP adapter against everything a line to a HIS can do: a real simulator server for the
 * vendor interface itself, and small real HTTP servers on 127.0.0.1 that misbehave on purpose.
 */

const servers: { close: () => unknown }[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  await cleanUp();
});

/** A real HTTP server whose handler decides how to (not) answer. */
async function misbehaving(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }) });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The simulator behind its HTTP server in this process. */
async function simulatorServer(): Promise<{ server: RunningHisServer; his: ReturnType<typeof simulator> }> {
  const his = simulator(tempDir());
  const server = await startHisServer({ his });
  servers.push(server);
  return { server, his };
}

const appId = 'zizhu-kiosk';
const appSecret = 'zizhu-his-sim-development-secret';

/** A request signed by hand as docs/his-interface.md describes, independent of the adapter's code. */
async function rawCall(url: string, body: unknown, change: { secret?: string; timestamp?: string; path?: string; method?: string } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  const timestamp = change.timestamp ?? String(Date.now());
  const requestId = crypto.randomUUID();
  const signature = crypto.createHmac('sha256', change.secret ?? appSecret).update([appId, timestamp, requestId, text].join('\n')).digest('hex');
  const res = await fetch(`${url}${change.path ?? '/his/gateway'}`, {
    method: change.method ?? 'POST',
    headers: { 'content-type': 'application/json', 'x-app-id': appId, 'x-timestamp': timestamp, 'x-request-id': requestId, 'x-sign': signature },
    ...(change.method === 'GET' ? {} : { body: text }),
  });
  const raw = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(raw) as Record<string, unknown>) : {};
  if (res.status === 200) expect(json.request_id).toBe(requestId);
  return { status: res.status, json };
}

const envelope = (service: string, data: unknown) => ({ service, hospital_id: 'H330100001', terminal_no: 'TEST', source: 'ZZJ', data });

describe('the vendor interface on the wire, as documented', () => {
  it('speaks yuan strings, local times, flags and snake_case in a code/msg/data envelope', async () => {
    const { server } = await simulatorServer();
    const found = await rawCall(server.url, envelope('patient.query', { card_type: '1', card_no: '2000000101' }));
    expect(found).toMatchObject({ status: 200, json: { code: '0', msg: '成功', data: { patient_id: 'P0001', patient_name: '张伟', sex: '1', birthday: '1968-03-12' } } });
    expect(found.json.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const pre = await rawCall(server.url, envelope('outpatient.bill.presettle', { patient_id: 'P0001', bill_nos: ['MZ00000101', 'MZ00000102'], trade_no: 'W-1' }));
    expect(pre.json).toMatchObject({ code: '0', data: { total_amount: '90.60', fund_amount: '0.00', acct_amount: '0.00', self_amount: '90.60' } });
    const data = pre.json.data as Record<string, string>;
    expect(data.expire_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const payInfo = {
      pay_mode: 'BANKCARD', pay_amount: '90.60', bank_rrn: '512345678901', bank_trace: '000123', bank_batch: '000045', bank_auth_code: '654321',
      bank_card_no: '622848******1234', bank_terminal_no: '10000001', bank_merchant_no: '898330160120001', bank_settle_date: '2025-06-02',
    };
    const odd = await rawCall(server.url, envelope('outpatient.bill.settle', { pre_id: data.pre_id, trade_no: 'W-1', pay_info: { ...payInfo, pay_amount: '90.6' } }));
    expect(odd.json).toMatchObject({ code: '1001', err_field: 'pay_info.pay_amount', data: null });
    const short = await rawCall(server.url, envelope('outpatient.bill.settle', { pre_id: data.pre_id, trade_no: 'W-1', pay_info: { ...payInfo, pay_amount: '90.59' } }));
    expect(short.json).toMatchObject({ code: '4004' });
    const settled = await rawCall(server.url, envelope('outpatient.bill.settle', { pre_id: data.pre_id, trade_no: 'W-1', pay_info: payInfo }));
    expect(settled.json).toMatchObject({ code: '0', data: { receipt_no: expect.stringMatching(/^SF\d{14}$/) } });

    const check = await rawCall(server.url, envelope('trade.check', { trade_no: 'W-1' }));
    expect(check.json).toMatchObject({ code: '0', data: { trade_state: 'SUCCESS', biz_type: 'charge', pay_amount: '90.60', refund_amount: '0.00' } });
    expect((await rawCall(server.url, envelope('trade.check', { trade_no: 'W-2' }))).json).toMatchObject({ code: '0', data: { trade_state: 'NOTFOUND' } });

    const stay = await rawCall(server.url, envelope('inpatient.info', { patient_id: 'P0013' }));
    expect(stay.json).toMatchObject({ code: '0', data: { inpatient_no: 'ZY2025000102', balance: '-345.67', deposit_total: '1000.00', out_order_flag: '1', insure_flag: '0', in_state: '1' } });

    const sources = await rawCall(server.url, envelope('schedule.query', { doct_code: 'E001' }));
    const source = ((sources.json.data as { sources: Record<string, unknown>[] }).sources)[0]!;
    expect(source).toMatchObject({ doct_code: 'E001', time_flag: '1', begin_time: '08:00', reg_fee: '50.00', total_num: 3 });
  });

  it('refuses a bad signature, a stale timestamp, an unknown service, another path or method', async () => {
    const { server } = await simulatorServer();
    const body = envelope('patient.query', { card_type: '1', card_no: '2000000101' });
    expect((await rawCall(server.url, body, { secret: 'wrong' })).json).toMatchObject({ code: '1002', data: null });
    expect((await rawCall(server.url, body, { timestamp: String(Date.now() - 10 * 60_000) })).json).toMatchObject({ code: '1003' });
    expect((await rawCall(server.url, envelope('patient.delete', {}))).json).toMatchObject({ code: '1004' });
    expect((await rawCall(server.url, envelope('patient.query', { card_type: '9', card_no: 'x' }))).json).toMatchObject({ code: '1001', err_field: 'card_type' });
    expect((await rawCall(server.url, body, { path: '/his/other' })).status).toBe(404);
    expect((await rawCall(server.url, body, { method: 'GET' })).status).toBe(405);
  });
});

describe('the HTTP adapter maps every way a call can end to a HisError of the right kind', () => {
  it('connection refused: UNAVAILABLE, unknown', async () => {
    const his = new HttpHis({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    expect(await refusedWith(his.queryTrade({ tradeNo: 'T1' }))).toEqual({ code: 'UNAVAILABLE', kind: 'unknown' });
  });

  it('no answer in time: TIMEOUT, unknown', async () => {
    const url = await misbehaving(() => undefined);
    const his = new HttpHis({ baseUrl: url, timeoutMs: 200 });
    expect(await refusedWith(his.queryTrade({ tradeNo: 'T1' }))).toEqual({ code: 'TIMEOUT', kind: 'unknown' });
  });

  it('the connection drops after the request was read: NO_ANSWER, unknown', async () => {
    const url = await misbehaving((req) => req.socket.destroy());
    expect(await refusedWith(new HttpHis({ baseUrl: url }).queryTrade({ tradeNo: 'T1' }))).toEqual({ code: 'NO_ANSWER', kind: 'unknown' });
  });

  it('the answer is cut off half way: NO_ANSWER, unknown', async () => {
    const url = await misbehaving((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      res.write('{"code":"0","msg":"成功",');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    expect(await refusedWith(new HttpHis({ baseUrl: url }).queryTrade({ tradeNo: 'T1' }))).toEqual({ code: 'NO_ANSWER', kind: 'unknown' });
  });

  it('HTTP statuses: a gateway\'s 502/503/504 UNAVAILABLE, 500 INTERNAL, both unknown; 400 and 404 definite', async () => {
    const cases: [number, string, string][] = [
      [502, 'UNAVAILABLE', 'unknown'], [503, 'UNAVAILABLE', 'unknown'], [504, 'UNAVAILABLE', 'unknown'], [500, 'INTERNAL', 'unknown'],
      [302, 'INTERNAL', 'unknown'], [400, 'INVALID_REQUEST', 'definite'], [401, 'REJECTED', 'definite'], [404, 'REJECTED', 'definite'],
    ];
    for (const [status, code, kind] of cases) {
      const url = await misbehaving((_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end('no'));
      expect(await refusedWith(new HttpHis({ baseUrl: url }).queryTrade({ tradeNo: 'T1' })), String(status)).toEqual({ code, kind });
    }
  });

  it('answers it cannot read, or codes it does not know, are INTERNAL: never a refusal', async () => {
    const answers: ((requestId: string) => string)[] = [
      () => 'not json',
      () => '',
      () => JSON.stringify({ code: '0', msg: 'ok', request_id: 'someone-else', data: { trade_state: 'NOTFOUND' } }),
      (id) => JSON.stringify({ code: '7001', msg: '交易处理中', request_id: id, data: null }),
      (id) => JSON.stringify({ code: '0', msg: 'ok', request_id: id, data: { trade_state: 'PAID' } }),
      (id) => JSON.stringify({ code: '0', msg: 'ok', request_id: id, data: { trade_state: 'SUCCESS', receipt_no: 'SF1', pay_amount: 12.3 } }),
    ];
    for (const [n, answer] of answers.entries()) {
      const url = await misbehaving((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(answer(String(req.headers['x-request-id']))));
      expect(await refusedWith(new HttpHis({ baseUrl: url }).queryTrade({ tradeNo: 'T1' })), `answer ${n}`).toEqual({ code: 'INTERNAL', kind: 'unknown' });
    }
  });

  it('refuses before sending what the wire cannot carry: a fraction of a fen', async () => {
    let calls = 0;
    const url = await misbehaving((_req, res) => {
      calls += 1;
      res.writeHead(500).end();
    });
    expect(await refusedWith(new HttpHis({ baseUrl: url }).settle({ preSettleId: 'PS1', tradeNo: 'T1', payment: card(0.5) }))).toEqual({ code: 'INVALID_REQUEST', kind: 'definite' });
    expect(calls).toBe(0);
  });

  it('a wrong app secret is a definite refusal: the HIS did nothing', async () => {
    const { server, his } = await simulatorServer();
    const wrong = new HttpHis({ baseUrl: server.url, appSecret: 'not-the-secret' });
    const pre = await his.preSettle({ patientId: 'P0006', billNos: ['MZ00000601'], tradeNo: 'T-SIGN' });
    expect(await refusedWith(wrong.settle({ preSettleId: pre.preSettleId, tradeNo: 'T-SIGN', payment: card(pre.selfFen) }))).toEqual({ code: 'REJECTED', kind: 'definite' });
    expect(await his.queryTrade({ tradeNo: 'T-SIGN' })).toEqual({ state: 'notFound' });
  });

  it('a slow `zizhu his-sim serve` past the adapter\'s deadline: TIMEOUT, and the trade number tells what happened', async () => {
    const dir = tempDir();
    const { url } = await serveChild(dir);
    const direct = simulator(dir);
    const pre = await direct.preSettle({ patientId: 'P0007', billNos: ['MZ00000701'], tradeNo: 'T-SLOW' });
    direct.setFault('settle', { mode: 'slow', ms: 1000, once: true });
    const impatient = new HttpHis({ baseUrl: url, timeoutMs: 200 });
    expect(await refusedWith(impatient.settle({ preSettleId: pre.preSettleId, tradeNo: 'T-SLOW', payment: card(pre.selfFen) }))).toEqual({ code: 'TIMEOUT', kind: 'unknown' });
    // The HIS finishes the call it was given; asking by trade number, as the bridge does, finds it.
    const patient = new HttpHis({ baseUrl: url });
    let status = await patient.queryTrade({ tradeNo: 'T-SLOW' });
    for (let n = 0; status.state === 'notFound' && n < 100; n += 1) {
      await new Promise((r) => setTimeout(r, 50));
      status = await patient.queryTrade({ tradeNo: 'T-SLOW' });
    }
    expect(status).toMatchObject({ state: 'settled', kind: 'settle', paidFen: pre.selfFen });
  });
});
