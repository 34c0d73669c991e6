import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../central/broker/mosquitto.ts';
import { runZizhu, stopChild, zizhuBin } from '../../helpers/processes.ts';
import { connectAs, publishReason } from './tls-clients.ts';

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('zizhu cert and zizhu broker --tls', () => {
  let dir: string;
  let ca: string;
  let out: string;
  const issue = (name: string, role: string, to = out) => runZizhu(['cert', 'issue', '--ca', ca, '--name', name, '--role', role, '--out', to]);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-cert-cli-'));
    ca = path.join(dir, 'ca');
    out = path.join(dir, 'out');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a bad role or name before creating anything, naming the flag (exit 2)', async () => {
    const badRole = await issue('KIOSK-01', 'admin');
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role');
    for (const name of ['ab', 'K/1', 'K+01', 'KIOSK_01', 'broadcast', 'central']) {
      const refused = await issue(name, 'kiosk');
      expect([name, refused.code]).toEqual([name, 2]);
      expect(refused.stderr).toContain('--name');
    }
    const missing = await runZizhu(['cert', 'issue', '--ca', ca, '--name', 'KIOSK-01']);
    expect(missing.code).toBe(2);
    expect(fs.existsSync(ca)).toBe(false);
  });

  it('issues a kiosk certificate: CA created with a private key, role in the certificate and the registry', async () => {
    const issued = await issue('KIOSK-01', 'kiosk');
    expect(issued.code, issued.stderr).toBe(0);
    const report = JSON.parse(issued.stdout) as Record<string, string>;
    expect(report).toMatchObject({ name: 'KIOSK-01', role: 'kiosk', cert: path.join(out, 'KIOSK-01.crt'), key: path.join(out, 'KIOSK-01.key'), broker: 'not running' });

    expect(mode(path.join(ca, 'ca.key'))).toBe(0o600);
    expect(mode(path.join(out, 'KIOSK-01.key'))).toBe(0o600);
    const caCert = new X509Certificate(fs.readFileSync(path.join(ca, 'ca.crt')));
    expect(fs.readFileSync(path.join(out, 'ca.crt'))).toEqual(fs.readFileSync(path.join(ca, 'ca.crt')));
    const cert = new X509Certificate(fs.readFileSync(path.join(out, 'KIOSK-01.crt')));
    expect(cert.subject.split('\n')).toEqual(expect.arrayContaining(['CN=KIOSK-01', 'OU=kiosk']));
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // clientAuth only
    expect(cert.serialNumber).toBe(report.serial);

    const registry = JSON.parse(fs.readFileSync(path.join(ca, 'registry.json'), 'utf8')) as { identities: Record<string, { role: string; serial: string }> };
    expect(registry.identities['KIOSK-01']).toMatchObject({ role: 'kiosk', serial: cert.serialNumber });
  });

  it('keeps one role per name, refuses look-alike names and never overwrites a key', async () => {
    for (const [name, role] of [['KIOSK-01', 'bridge'], ['kiosk-01', 'kiosk']]) {
      const refused = await issue(name!, role!, path.join(dir, 'elsewhere'));
      expect([name, role, refused.code]).toEqual([name, role, 2]);
      expect(refused.stderr).toContain('--name');
    }
    const again = await issue('KIOSK-01', 'kiosk');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--out');
    const renewed = await issue('KIOSK-01', 'kiosk', path.join(dir, 'renewed'));
    expect(renewed.code, renewed.stderr).toBe(0);
    const registry = JSON.parse(fs.readFileSync(path.join(ca, 'registry.json'), 'utf8')) as { identities: Record<string, { serial: string }> };
    expect(registry.identities['KIOSK-01']!.serial).toBe((JSON.parse(renewed.stdout) as { serial: string }).serial);
  });

  it('loses no name when several are issued at once, and lists them', async () => {
    const results = await Promise.all([issue('KIOSK-02', 'kiosk'), issue('KIOSK-03', 'kiosk'), issue('ops1', 'console')]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const listed = await runZizhu(['cert', 'list', '--ca', ca]);
    expect(listed.code).toBe(0);
    const names = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; role: string });
    expect(names.map((n) => `${n.name}:${n.role}`).sort()).toEqual(['KIOSK-01:kiosk', 'KIOSK-02:kiosk', 'KIOSK-03:kiosk', 'ops1:console']);
    expect(fs.readFileSync(path.join(ca, 'acl'), 'utf8')).toContain('user ops1');
  });

  it('needs --data with --tls (exit 2)', async () => {
    const refused = await runZizhu(['broker', '--tls', '--port', String(await freePort())]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--data');
  });

  it('runs the TLS broker on the CA folder; an issue reloads it; SIGTERM stops it cleanly', async () => {
    const port = await freePort();
    const child = spawn(zizhuBin, ['broker', '--tls', '--port', String(port), '--data', ca], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`broker exited ${code}: ${stderr}`)));
      });
      expect(JSON.parse(first)).toEqual({ broker: `mqtts://127.0.0.1:${port}`, ca: path.join(ca, 'ca.crt') });
      const issued = await issue('KIOSK-04', 'kiosk');
      expect(JSON.parse(issued.stdout)).toMatchObject({ broker: 'reloaded' });
      const kiosk = await connectAs(`mqtts://127.0.0.1:${port}`, out, 'KIOSK-04');
      expect(await publishReason(kiosk, 'kiosk/v1/KIOSK-04/hb')).toBe(0);
      await kiosk.endAsync();
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await stopChild(child);
      expect(await exited).toBe(0);
    }
    expect(fs.existsSync(path.join(ca, 'mosquitto.pid'))).toBe(false);
  });
});
