import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import { topics } from '../contract/topics.ts';

/**
 * The yardstick for bench/rpc.ts: a bare MQTT 5 responder that takes the bridge's own shared
 * subscription and answers every request on its response topic with its correlation data, doing no
 * work at all (the request payload is not even parsed). What the bridge costs is measured against
 * what the broker and the kiosks' client library cost without it.
 *
 * Usage: `npx tsx bench/echo.ts mqtt://HOST:PORT`; prints `ready` once subscribed, ends on SIGTERM.
 */
const url = process.argv[2];
if (!url) {
  console.error('usage: echo.ts mqtt://HOST:PORT');
  process.exit(2);
}

const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `bench-echo-${process.pid}`, clean: true, reconnectPeriod: 0 });
// As fast as the broker allows: the yardstick must not wait on Nagle either.
(client.stream as Socket).setNoDelay(true);
client.on('message', (_topic, _payload, packet) => {
  const responseTopic = packet.properties?.responseTopic;
  const correlation = packet.properties?.correlationData;
  if (!responseTopic || !correlation) return;
  const response = `{"v":1,"id":${JSON.stringify(correlation.toString('utf8'))},"ts":${Date.now()},"status":"OK"}`;
  client.publish(responseTopic, response, { qos: 1, properties: { correlationData: correlation } });
});
await client.subscribeAsync(topics.sharedRpc, { qos: 1 });
process.stdout.write('ready\n');
process.once('SIGTERM', () => void client.endAsync().then(() => process.exit(0)));
