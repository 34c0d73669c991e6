import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardDispenserSimulator } from '../../drivers/card/simulator.ts';
import { BillAcceptorSimulator } from '../../drivers/cash/simulator.ts';
import { startSimulator, type RunningSimulator } from '../../drivers/core/simulator-host.ts';
import { IdCardReaderSimulator } from '../../drivers/idcard/simulator.ts';
import { PaymentModuleSimulator } from '../../drivers/pos/simulator.ts';
import { ReceiptPrinterSimulator } from '../../drivers/printer/simulator.ts';
import { IppPrinterSimulator } from '../../drivers/report/simulator.ts';
import { QrScannerSimulator } from '../../drivers/scanner/simulator.ts';
import { exampleConfig, type KioskConfig } from '../../runtime/config.ts';
import { runZizhu } from '../helpers/processes.ts';

/**
 * `zizhu device probe --config FILE`: what a technician runs after cabling a unit. Every configured
 * device is opened, identified and self-tested against its simulator, one line each.
 */
let sims: Record<string, RunningSimulator>;
let report: IppPrinterSimulator;
let folder: string;
beforeAll(async () => {
  const [idcard, card, cash, printer, scanner, pos] = await Promise.all([
    startSimulator(new IdCardReaderSimulator()),
    startSimulator(new CardDispenserSimulator()),
    startSimulator(new BillAcceptorSimulator({ serialNumber: 88001234 })),
    startSimulator(new ReceiptPrinterSimulator()),
    startSimulator(new QrScannerSimulator()),
    startSimulator(new PaymentModuleSimulator()),
  ]);
  sims = { idcard: idcard!, card: card!, cash: cash!, printer: printer!, scanner: scanner!, pos: pos! };
  report = await IppPrinterSimulator.start();
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-probe-'));
});
afterAll(async () => {
  await Promise.all([...Object.values(sims ?? {}).map((s) => s.close()), report?.stop()]);
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

function configFile(change: (devices: KioskConfig['devices']) => KioskConfig['devices'] = (d) => d): string {
  const devices: KioskConfig['devices'] = {
    card: { port: sims.card!.port, baudRate: 9600, model: 'CRT-591-M' },
    pos: { port: sims.pos!.port, baudRate: 9600 },
    printer: { port: sims.printer!.port, baudRate: 115200 },
    idcard: { port: sims.idcard!.port, baudRate: 115200 },
    cash: { port: sims.cash!.port, baudRate: 9600, model: 'ITL-SSP' },
    scanner: { port: sims.scanner!.port, baudRate: 9600 },
    report: { printer: report.uri },
  };
  const file = path.join(folder, `kiosk-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify({ ...exampleConfig(), devices: change(devices) }));
  return file;
}

const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('zizhu device probe', () => {
  it('opens, identifies and self-tests every configured device, one line each', async () => {
    const run = await runZizhu(['device', 'probe', '--config', configFile(), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const byDevice = Object.fromEntries(lines(run.stdout).map((l) => [l.device, l]));
    expect(Object.keys(byDevice).sort()).toEqual(['card', 'cash', 'idcard', 'pos', 'printer', 'report', 'scanner']);
    for (const line of Object.values(byDevice)) expect(line).toMatchObject({ ok: true, status: 'online' });
    expect(byDevice.card).toMatchObject({ firmware: 'CRT-591-M001', cardAt: 'none' });
    expect(byDevice.cash).toMatchObject({ serialNumber: '88001234', currency: 'CNY' });
    expect(byDevice.idcard!.samId).toEqual(expect.any(String));
    expect(byDevice.printer).toMatchObject({ paper: 'ok' });
    expect(byDevice.report).toMatchObject({ paper: 'ok' });

    const table = await runZizhu(['device', 'probe', '--config', configFile()]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^card\s+ok\s+status=online/m);
  });

  it('exits 1 naming the device that fails, and still probes the rest', async () => {
    sims.printer!.control('paper out');
    const gone = path.join(folder, 'no-such-tty');
    const run = await runZizhu(['device', 'probe', '--config', configFile((d) => ({ ...d, cash: { ...d.cash!, port: gone } })), '--json']);
    sims.printer!.control('paper ok');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('2 device(s) failed');
    const byDevice = Object.fromEntries(lines(run.stdout).map((l) => [l.device, l]));
    expect(byDevice.cash).toMatchObject({ ok: false, error: 'TRANSPORT' });
    expect(byDevice.printer).toMatchObject({ ok: false, paper: 'out' });
    expect(byDevice.card).toMatchObject({ ok: true });
  });

  it('exits 2 on a missing or bad configuration', async () => {
    expect((await runZizhu(['device', 'probe'])).code).toBe(2);
    const bad = path.join(folder, 'bad.json');
    fs.writeFileSync(bad, '{"kioskId": 1}');
    const run = await runZizhu(['device', 'probe', '--config', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('kioskId');
  });
});
