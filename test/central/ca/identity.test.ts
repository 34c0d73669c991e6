import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startBroker, type RunningBroker } from '../../../central/broker/mosquitto.ts';
import { caFiles, CertificateAuthority } from '../../../central/ca/index.ts';
import { runZizhu } from '../../helpers/processes.ts';
import { connectAs, Inbox, notAuthorized, publishReason } from './tls-clients.ts';

/** How the broker turned a client away: Node's code for the TLS alert it received. */
async function refusal(options: mqtt.IClientOptions, url: string): Promise<string> {
  try {
    const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: 'KIOSK-A', reconnectPeriod: 0, ...options }, false);
    await client.endAsync();
    return 'connected';
  } catch (e) {
    return String((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
}

describe('who may connect to the TLS broker', () => {
  let dir: string;
  let out: string;
  let broker: RunningBroker;
  const log: string[] = [];
  const files = (name: string, from = out) => ({ cert: fs.readFileSync(path.join(from, `${name}.crt`)), key: fs.readFileSync(path.join(from, `${name}.key`)) });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-identity-'));
    out = path.join(dir, 'issued');
    const ca = CertificateAuthority.open(path.join(dir, 'ca'));
    for (const name of ['KIOSK-A', 'KIOSK-B']) ca.issue({ name, role: 'kiosk', outDir: out });
    ca.issue({ name: 'bw1', role: 'bridge', outDir: out });
    broker = await startBroker({ port: await freePort(), dataDir: path.join(dir, 'ca'), tls: true, log: (line) => log.push(line) });
  });

  afterAll(async () => {
    await broker?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('connects a client with a certificate from its CA, and nothing without one', async () => {
    const ca = fs.readFileSync(path.join(out, 'ca.crt'));
    expect(await refusal({ ca, ...files('KIOSK-A') }, broker.url)).toBe('connected');
    expect(await refusal({ ca }, broker.url)).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  });

  it('refuses a certificate for the same name signed by another CA', async () => {
    const elsewhere = path.join(dir, 'other-issued');
    CertificateAuthority.open(path.join(dir, 'other-ca')).issue({ name: 'KIOSK-A', role: 'kiosk', outDir: elsewhere });
    const ca = fs.readFileSync(path.join(out, 'ca.crt'));
    expect(await refusal({ ca, ...files('KIOSK-A', elsewhere) }, broker.url)).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
  });

  it("refuses the broker's own certificate as a client's: it is for servers only", async () => {
    const { serverCert, serverKey, caCert } = caFiles(broker.dataDir);
    expect(await refusal({ ca: fs.readFileSync(caCert), cert: fs.readFileSync(serverCert), key: fs.readFileSync(serverKey) }, broker.url)).toBe('ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE');
  });

  it("keeps the certificate's name as the client id, so no one can take over another kiosk's session", async () => {
    const victim = await connectAs(broker.url, out, 'KIOSK-B');
    const events: string[] = [];
    victim.on('disconnect', () => events.push('disconnect'));
    victim.on('close', () => events.push('close'));
    const inbox = new Inbox(victim);
    await victim.subscribeAsync('kiosk/v1/KIOSK-B/rpc/res', { qos: 1 });
    const intruder = await connectAs(broker.url, out, 'KIOSK-A', { clientId: 'KIOSK-B' });
    expect(await publishReason(intruder, 'kiosk/v1/KIOSK-B/rpc')).toBe(notAuthorized);
    // After the intruder's CONNECT the victim still gets what is sent to it on its first connection.
    const bridge = await connectAs(broker.url, out, 'bw1');
    expect(await publishReason(bridge, 'kiosk/v1/KIOSK-B/rpc/res', 'still here')).toBe(0);
    await inbox.until('kiosk/v1/KIOSK-B/rpc/res', 'still here');
    expect(events).toEqual([]);
    await Promise.all([victim, intruder, bridge].map((c) => c.endAsync()));
  });

  it('serves a name issued while the broker runs, without a restart', async () => {
    const pid = broker.process.pid;
    const reloads = () => log.filter((line) => line.endsWith('Reloading config.')).length;
    const before = reloads();
    const caDir = broker.dataDir;

    const kiosk = await runZizhu(['cert', 'issue', '--ca', caDir, '--name', 'KIOSK-NEW', '--role', 'kiosk', '--out', out]);
    expect(kiosk.code, kiosk.stderr).toBe(0);
    expect(JSON.parse(kiosk.stdout)).toMatchObject({ name: 'KIOSK-NEW', role: 'kiosk', broker: 'reloaded' });
    const newKiosk = await connectAs(broker.url, out, 'KIOSK-NEW');
    expect(await publishReason(newKiosk, 'kiosk/v1/KIOSK-NEW/status')).toBe(0);

    const consoleIssue = await runZizhu(['cert', 'issue', '--ca', caDir, '--name', 'ops-new', '--role', 'console', '--out', out]);
    expect(consoleIssue.code, consoleIssue.stderr).toBe(0);
    // The SIGHUP is handled on the broker's next turn; the log line says the new ACL is in force.
    while (reloads() < before + 2) await new Promise((r) => setTimeout(r, 20));
    const operator: MqttClient = await connectAs(broker.url, out, 'ops-new');
    expect(await publishReason(operator, 'kiosk/v1/KIOSK-NEW/cmd/reboot')).toBe(0);
    // Its own block is in force too: the kiosk patterns give a console nothing.
    expect(await publishReason(operator, 'kiosk/v1/ops-new/status')).toBe(notAuthorized);

    expect(broker.process.pid).toBe(pid);
    expect(broker.process.exitCode).toBeNull();
    await Promise.all([newKiosk, operator].map((c) => c.endAsync()));
  });
});
