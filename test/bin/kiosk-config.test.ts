import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../central/broker/mosquitto.ts';
import { runZizhu } from '../helpers/processes.ts';

describe('zizhu kiosk and bridge configuration errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-config-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints a complete example that validates, and exits 2 naming the bad field', async () => {
    const example = await runZizhu(['kiosk', '--example-config']);
    expect(example.code).toBe(0);
    const config = JSON.parse(example.stdout) as { devices: { pos: { port: unknown } }; kioskId: string };
    expect(config.kioskId).toMatch(/^[A-Za-z0-9]/);

    config.devices.pos.port = 42;
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify(config));
    const r = await runZizhu(['kiosk', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('devices.pos.port');

    fs.writeFileSync(bad, '{ not json');
    expect((await runZizhu(['kiosk', '--config', bad])).code).toBe(2);
    expect((await runZizhu(['kiosk'])).code).toBe(2);
  });

  it('exits 4 naming the device when a port cannot be opened', async () => {
    const example = JSON.parse((await runZizhu(['kiosk', '--example-config'])).stdout) as Record<string, unknown> & { devices: { card: { port: string } } };
    example.devices.card.port = path.join(dir, 'no-such-tty');
    example.journal = path.join(dir, 'journal.sqlite');
    const file = path.join(dir, 'kiosk.json');
    fs.writeFileSync(file, JSON.stringify(example));
    const r = await runZizhu(['kiosk', '--config', file]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('devices.card');
  });

  it('bridge: exits 2 on a bad flag and 5 when the broker is not there', async () => {
    expect((await runZizhu(['bridge', '--broker', 'nonsense', '--his', 'sim', '--ledger', path.join(dir, 'l.sqlite')])).code).toBe(2);
    const port = await freePort();
    const r = await runZizhu(['bridge', '--broker', `mqtt://127.0.0.1:${port}`, '--his', 'sim', '--ledger', path.join(dir, 'l.sqlite')]);
    expect(r.code).toBe(5);
  });
});
