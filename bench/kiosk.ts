import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import type { RpcResponse } from '../contract/rpc.ts';
import { topics } from '../contract/topics.ts';
import type { RpcCall } from '../runtime/link.ts';

/** No answer before the call's timeout. */
export class NoAnswer extends Error {}

/**
 * A simulated kiosk: one MQTT 5 connection whose client id is the kiosk id, sending RPC exactly as
 * runtime/link.ts does (QoS 1, response topic `rpc/res`, correlation data = request id, message
 * expiry = the deadline), but with TCP_NODELAY on its socket. The kiosk's own link leaves Nagle
 * on, and then a request sent right after an answer waits ~40 ms for the broker's delayed ACK of
 * the PUBACK before it (docs/benchmarks.md): that is a kiosk-side cost, and it would hide the
 * bridge's cost behind 40 ms in both phases.
 */
export class BenchKiosk {
  private readonly waiting = new Map<string, (r: RpcResponse) => void>();

  private constructor(
    readonly kid: string,
    private readonly client: MqttClient,
  ) {
    client.on('message', (_topic, payload, packet) => {
      const id = packet.properties?.correlationData?.toString('utf8');
      if (id) this.waiting.get(id)?.(JSON.parse(payload.toString('utf8')) as RpcResponse);
    });
  }

  static async connect(kid: string, brokerUrl: string): Promise<BenchKiosk> {
    const client = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, clientId: kid, clean: true, reconnectPeriod: 0, connectTimeout: 30_000 });
    (client.stream as Socket).setNoDelay(true);
    await client.subscribeAsync(topics.rpcRes(kid), { qos: 1 });
    return new BenchKiosk(kid, client);
  }

  rpc(call: RpcCall): Promise<RpcResponse> {
    const id = ulid();
    const deadline = Date.now() + call.timeoutMs;
    const request = { v: 1, id, ts: Date.now(), kid: this.kid, op: call.op, ...(call.txnId ? { txnId: call.txnId } : {}), deadline, args: call.args };
    const answer = new Promise<RpcResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new NoAnswer(`${call.op}: no answer within ${call.timeoutMs} ms`));
      }, call.timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(r);
      });
    });
    this.client.publish(topics.rpc(this.kid), JSON.stringify(request), {
      qos: 1,
      properties: {
        responseTopic: topics.rpcRes(this.kid),
        correlationData: Buffer.from(id, 'utf8'),
        messageExpiryInterval: Math.max(1, Math.ceil(call.timeoutMs / 1000)),
      },
    });
    return answer;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  stop(): Promise<void> {
    return this.client.endAsync();
  }
}
