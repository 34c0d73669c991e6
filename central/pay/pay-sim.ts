import path from 'node:path';
import { scaled } from '../../contract/time-scale.ts';
import { alipayGateway } from './alipay-sim.ts';
import { alipayCredentials, credentialsFile, wechatCredentials, type AlipayCredentials, type WechatCredentials } from './credentials.ts';
import type { ChannelName } from './port.ts';
import { assertBehaviour, defaultBehaviours, PaySimLedger } from './sim-ledger.ts';
import { faultControl, jsonAnswer, listen, type SimRequest } from './sim-server.ts';
import { wechatGateway } from './wechat-sim.ts';

/**
 * A simulated QR channel as a process would run it: the channel's gateway on 127.0.0.1, its
 * ledger in `<dataDir>/<channel>.sqlite`, the merchant's keys in `<dataDir>/credentials.json`,
 * and control routes under `/_sim/` for tests and operators in other processes.
 */

export interface PaySimulatorOptions {
  channel: ChannelName;
  dataDir: string;
  port?: number;
  host?: string;
  /** Epoch milliseconds; injected so a test can pass the reverse hold or a password delay without waiting. */
  now?: () => number;
  /** Default 15 000 ms at the time scale: reverse/cancel within this time of the order is answered "try later". */
  reverseHoldMs?: number;
  /** Default 10 000 ms at the time scale: how long the default password codes (13 00…, 28 00…) take to confirm. */
  passwordMs?: number;
}

export interface RunningPaySimulator {
  channel: ChannelName;
  url: string;
  /** The merchant's side of the keys, for a client adapter. */
  credentials: WechatCredentials | AlipayCredentials;
  credentialsFile: string;
  ledger: PaySimLedger;
  close(): Promise<void>;
}

/** Two digits that mark each channel's codes in the default behaviours. */
export const scenarioPrefixes: Record<ChannelName, string> = { wechat: '13', alipay: '28' };

const dateOf = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');

const numbering = {
  wechat: {
    tradeNo: (seq: number, now: number) => `4200${dateOf(now)}${String(seq).padStart(16, '0')}`,
    refundNo: (seq: number, now: number) => `50300${dateOf(now)}${String(seq).padStart(16, '0')}`,
    reverseWindowMs: scaled(7 * 86_400_000),
  },
  alipay: {
    tradeNo: (seq: number, now: number) => `${dateOf(now)}22001${String(seq).padStart(15, '0')}`,
    refundNo: (seq: number, now: number) => `${dateOf(now)}23001${String(seq).padStart(15, '0')}`,
    reverseWindowMs: scaled(86_400_000),
  },
};

export async function startPaySimulator(options: PaySimulatorOptions): Promise<RunningPaySimulator> {
  const { channel, dataDir } = options;
  const ledger = PaySimLedger.open(path.join(dataDir, `${channel}.sqlite`), defaultBehaviours(scenarioPrefixes[channel], options.passwordMs ?? scaled(10_000)), {
    ...numbering[channel],
    ...(options.now ? { now: options.now } : {}),
    ...(options.reverseHoldMs !== undefined ? { reverseHoldMs: options.reverseHoldMs } : {}),
  });
  const credentials = channel === 'wechat' ? wechatCredentials(dataDir) : alipayCredentials(dataDir);
  const gateway = channel === 'wechat' ? wechatGateway(ledger, credentials as WechatCredentials) : alipayGateway(ledger, credentials as AlipayCredentials);
  const server = await listen(
    async (request) => (await gateway(request)) ?? faultControl(ledger.faults, request) ?? control(ledger, request) ?? jsonAnswer(404, { error: `no route ${request.path}` }),
    { host: options.host, port: options.port },
  );
  return {
    channel,
    url: server.url,
    credentials,
    credentialsFile: credentialsFile(dataDir),
    ledger,
    close: async () => {
      await server.close();
      ledger.close();
    },
  };
}

/** `/_sim/behaviours` (POST {pattern, exact?, behaviour}), `/_sim/ledger` and `/_sim/calls` (GET). */
function control(ledger: PaySimLedger, request: SimRequest) {
  if (request.path === '/_sim/behaviours' && request.method === 'POST') {
    try {
      const { pattern, exact, behaviour } = JSON.parse(request.body) as { pattern: string; exact?: boolean; behaviour: unknown };
      assertBehaviour(behaviour);
      ledger.setBehaviour(pattern, behaviour, exact === true);
      return jsonAnswer(200, { pattern, exact: exact === true, behaviour });
    } catch (e) {
      return jsonAnswer(400, { error: (e as Error).message });
    }
  }
  if (request.path === '/_sim/ledger' && request.method === 'GET') return jsonAnswer(200, { trades: ledger.trades(), refunds: ledger.refunds(), totals: ledger.totals() });
  if (request.path === '/_sim/calls' && request.method === 'GET') return jsonAnswer(200, { calls: ledger.calls() });
  return undefined;
}
