import { faultControl, jsonAnswer, listen, playFault, type SimAnswer } from '../pay/sim-server.ts';
import { servicePath, type Envelope } from './envelope.ts';
import { SimulatedPlatform } from './platform.ts';

/**
 * The simulated national platform as a server on 127.0.0.1: the fsi service path answers
 * envelopes from its own SQLite book (`<dataDir>/insurance.sqlite`); `/_sim/faults` (POST
 * `{api: infno, fault}`), `/_sim/persons` and `/_sim/settlements` (GET) serve tests and operators
 * in other processes.
 */

export interface InsuranceSimulatorOptions {
  dataDir: string;
  port?: number;
  host?: string;
  now?: () => number;
}

export interface RunningInsuranceSimulator {
  url: string;
  platform: SimulatedPlatform;
  close(): Promise<void>;
}

export async function startInsuranceSimulator(options: InsuranceSimulatorOptions): Promise<RunningInsuranceSimulator> {
  const platform = SimulatedPlatform.open(options.dataDir, options.now ? { now: options.now } : {});
  const json = (value: unknown): SimAnswer => jsonAnswer(200, value);
  const server = await listen(
    async (request) => {
      if (request.path === servicePath && request.method === 'POST') {
        const infno = infnoOf(request.body);
        return playFault(
          infno ? platform.faults.take(infno) : undefined,
          () => json(platform.handle(request.body)),
          () => json(platform.refuse(JSON.parse(request.body) as Envelope, `[模拟故障] 医保平台拒绝了交易 ${infno}`)),
        );
      }
      if (request.path === '/_sim/persons' && request.method === 'GET') return json({ persons: platform.persons() });
      if (request.path === '/_sim/settlements' && request.method === 'GET') return json({ settlements: platform.settlements() });
      return faultControl(platform.faults, request) ?? jsonAnswer(404, { error: `no route ${request.path}` });
    },
    { host: options.host, port: options.port },
  );
  return {
    url: server.url,
    platform,
    close: async () => {
      await server.close();
      platform.close();
    },
  };
}

/** Faults are set per transaction number; a body that is not an envelope gets none. */
function infnoOf(body: string): string | undefined {
  try {
    const infno = (JSON.parse(body) as { infno?: unknown }).infno;
    return typeof infno === 'string' && (SimulatedPlatform.apis as readonly string[]).includes(infno) ? infno : undefined;
  } catch {
    return undefined;
  }
}
