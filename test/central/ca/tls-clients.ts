import fs from 'node:fs';
import path from 'node:path';
import mqtt, { ErrorWithReasonCode, type IClientOptions, type MqttClient } from 'mqtt';

/** MQTT 5 reason code "Not authorized": Mosquitto's PUBACK for a publish its ACL refuses. */
export const notAuthorized = 0x87;

/** The CA certificate, certificate and key `cert issue` wrote for NAME in OUTDIR. */
export function tlsFiles(outDir: string, name: string): Pick<IClientOptions, 'ca' | 'cert' | 'key'> {
  return {
    ca: fs.readFileSync(path.join(outDir, 'ca.crt')),
    cert: fs.readFileSync(path.join(outDir, `${name}.crt`)),
    key: fs.readFileSync(path.join(outDir, `${name}.key`)),
  };
}

/** Connects with NAME's certificate; refuses (rejects) instead of retrying when the broker says no. */
export function connectAs(url: string, outDir: string, name: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 5, clientId: name, reconnectPeriod: 0, connectTimeout: 10_000, ...tlsFiles(outDir, name), ...extra }, false);
}

/**
 * What the broker's PUBACK said to one QoS 1 publish: 0 when accepted (mqtt.js resolves for every
 * success code, "no matching subscribers" included), else the refusal's reason code, 0x87 from the ACL.
 */
export async function publishReason(client: MqttClient, topic: string, payload = '{"v":1}', retain = false): Promise<number> {
  try {
    await client.publishAsync(topic, payload, { qos: 1, retain });
    return 0;
  } catch (e) {
    if (e instanceof ErrorWithReasonCode) return e.code;
    throw e;
  }
}

/** Every message a client receives, in order, with a wait for the one a test expects. */
export class Inbox {
  readonly messages: { topic: string; payload: string }[] = [];
  private waiters: (() => void)[] = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload) => {
      this.messages.push({ topic, payload: payload.toString() });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  topics(): string[] {
    return this.messages.map((m) => m.topic);
  }

  /** Resolves when a message on `topic` with `payload` has arrived; the time limit only guards a hang. */
  async until(topic: string, payload?: string, timeoutMs = 10_000): Promise<void> {
    const found = () => this.messages.some((m) => m.topic === topic && (payload === undefined || m.payload === payload));
    const giveUp = Date.now() + timeoutMs;
    while (!found()) {
      if (Date.now() > giveUp) throw new Error(`no message on ${topic}; got ${JSON.stringify(this.topics())}`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 200);
      });
    }
  }
}
