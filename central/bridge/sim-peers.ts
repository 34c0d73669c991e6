import path from 'node:path';
import { scaled } from '../../contract/time-scale.ts';
import { InsuranceClient } from '../insurance/client.ts';
import type { InsurancePort } from '../insurance/port.ts';
import { startInsuranceSimulator, type RunningInsuranceSimulator } from '../insurance/simulator.ts';
import { AlipayClient } from '../pay/alipay-client.ts';
import type { AlipayCredentials, WechatCredentials } from '../pay/credentials.ts';
import { startPaySimulator, type RunningPaySimulator } from '../pay/pay-sim.ts';
import type { ChannelName, QrChannel } from '../pay/port.ts';
import { WechatPayClient } from '../pay/wechat-client.ts';
import type { Ledger } from './ledger.ts';

/**
 * The bridge's outside world simulated in its own process, each peer behind its real HTTP
 * interface on a loopback port, so the bridge speaks to them exactly as to the real ones
 * (`zizhu bridge --pay sim --insurance sim`, and tests).
 */

export interface SimulatedChannels {
  channels: Record<ChannelName, QrChannel>;
  simulators: Record<ChannelName, RunningPaySimulator>;
  close(): Promise<void>;
}

export interface SimulatedChannelOptions {
  /** Passed to the simulators (docs/qr-channels.md). */
  reverseHoldMs?: number;
  passwordMs?: number;
  /** The clients' deadline per call, real ms (default 10 s at the time scale). */
  timeoutMs?: number;
}

/** WeChat Pay and Alipay simulators, their ledgers in `<dataDir>/wechat` and `<dataDir>/alipay`, and clients for them. */
export async function startSimulatedChannels(dataDir: string, options: SimulatedChannelOptions = {}): Promise<SimulatedChannels> {
  const { timeoutMs = scaled(10_000), ...sim } = options;
  const start = (channel: ChannelName) => startPaySimulator({ channel, dataDir: path.join(dataDir, channel), ...sim });
  const [wechat, alipay] = await Promise.all([start('wechat'), start('alipay')]);
  const w = wechat.credentials as WechatCredentials;
  const a = alipay.credentials as AlipayCredentials;
  return {
    channels: {
      wechat: new WechatPayClient({ url: wechat.url, appid: w.appid, mchId: w.mchId, apiKey: w.apiKey, timeoutMs }),
      alipay: new AlipayClient({ url: `${alipay.url}/gateway.do`, appId: a.appId, appPrivateKey: a.appPrivateKey, alipayPublicKey: a.alipayPublicKey, timeoutMs }),
    },
    simulators: { wechat, alipay },
    close: async () => {
      await Promise.all([wechat.close(), alipay.close()]);
    },
  };
}

/** The simulated hospital's identity at the platform (docs/insurance.md). */
export const simulatedInstitution = { fixmedinsCode: 'H33010000001', fixmedinsName: '示例市第一人民医院', mdtrtareaAdmvs: '330100' } as const;

export interface SimulatedInsurance {
  /** One client per kiosk: the platform logs the kiosk as the operator. */
  insuranceFor: (kid: string) => InsurancePort;
  simulator: RunningInsuranceSimulator;
  close(): Promise<void>;
}

/**
 * The simulated national platform with its book in `dataDir`. Message ids draw their sequence
 * from the ledger, so several workers sharing it never make the same one.
 */
export async function startSimulatedInsurance(dataDir: string, ledger: Ledger, options: { timeoutMs?: number } = {}): Promise<SimulatedInsurance> {
  const simulator = await startInsuranceSimulator({ dataDir });
  const clients = new Map<string, InsurancePort>();
  return {
    insuranceFor: (kid) => {
      let client = clients.get(kid);
      if (!client) {
        client = new InsuranceClient({
          url: simulator.url, ...simulatedInstitution, opter: kid, opterName: `自助机 ${kid}`, timeoutMs: options.timeoutMs ?? scaled(10_000),
          sequence: (second) => ledger.nextSequence(`insurance-msgid-${simulatedInstitution.fixmedinsCode}`, second),
        });
        clients.set(kid, client);
      }
      return client;
    },
    simulator,
    close: () => simulator.close(),
  };
}
