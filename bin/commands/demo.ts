import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, startBroker } from '../../central/broker/mosquitto.ts';
import { CertificateAuthority } from '../../central/ca/index.ts';
import { HisSimulator } from '../../central/his/simulator.ts';
import { exampleConfig, type KioskConfig } from '../../runtime/config.ts';

const zizhu = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'zizhu');

/**
 * `zizhu demo`: a broker, the bridge with the simulated hospital, a simulator of every kiosk device
 * (each its own process) and one kiosk in this terminal. F2 inserts the first fixture patient's
 * card, F3 approves at the bank module, F4 declines, F5 takes the card back, F6/F7 place and lift
 * an ID card, F8 feeds a 100-yuan note, F9 shows a WeChat payment code. Ctrl-C stops everything.
 */
export async function demo(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string' }, tls: { type: 'boolean', default: false } } });
  const dir = values.data ? path.resolve(values.data) : fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-demo-'));
  fs.mkdirSync(dir, { recursive: true });
  const children: ChildProcess[] = [];
  const logFile = fs.openSync(path.join(dir, 'demo.log'), 'a');
  const broker = await startBroker({ port: await freePort(), dataDir: path.join(dir, 'broker'), tls: values.tls });
  // With --tls, the broker's development CA issues the bridge worker's and the kiosk's certificates.
  const certs = path.join(dir, 'certs');
  if (values.tls) {
    const ca = CertificateAuthority.open(broker.dataDir);
    for (const [name, role] of [['demo', 'bridge'], ['DEMO-001', 'kiosk']] as const) {
      if (!fs.existsSync(path.join(certs, `${name}.crt`))) ca.issue({ name, role, outDir: certs });
    }
  }
  const cleanup = async () => {
    // A child killed by a signal has no exit code, only a signal code: both mean it is gone.
    const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
    const exited = running.map((c) => new Promise((r) => c.once('exit', r)));
    for (const c of running) c.kill('SIGTERM');
    await Promise.all(exited);
    await broker.stop();
  };
  try {
    const hisDir = path.join(dir, 'his');
    const his = HisSimulator.open(hisDir);
    const patient = his.fixtures().patients[0]!;
    his.close();

    children.push(spawn(zizhu, ['bridge', '--broker', broker.url, '--his', 'sim', '--his-data', hisDir, '--ledger', path.join(dir, 'ledger.sqlite'), '--worker', 'demo', '--pay', 'sim', '--pay-data', path.join(dir, 'pay'), '--insurance', 'sim', '--insurance-data', path.join(dir, 'insurance'), ...(values.tls ? ['--tls', certs] : [])], { stdio: ['ignore', logFile, logFile] }));
    const sims: Record<string, { port: string; socket: string }> = {};
    for (const kind of ['card', 'pos', 'printer', 'idcard', 'cash', 'scanner', 'report'] as const) {
      const socket = path.join(dir, `${kind}.sock`);
      fs.rmSync(socket, { force: true });
      const child = spawn(zizhu, ['sim', kind, '--control', socket], { stdio: ['pipe', 'pipe', logFile] });
      children.push(child);
      const port = await firstLinePort(child);
      // Keep reading what the simulator says (receipts, sales) into the demo log.
      child.stdout!.on('data', (d: Buffer) => fs.appendFileSync(path.join(dir, `${kind}.jsonl`), d));
      // Reading the first line paused the stream; without this the log stays empty.
      child.stdout!.resume();
      sims[kind] = { port, socket };
    }

    const config: KioskConfig = {
      ...exampleConfig(),
      kioskId: 'DEMO-001',
      broker: {
        url: broker.url,
        ...(values.tls ? { tls: { ca: path.join(certs, 'ca.crt'), cert: path.join(certs, 'DEMO-001.crt'), key: path.join(certs, 'DEMO-001.key') } } : {}),
      },
      journal: path.join(dir, 'journal.sqlite'),
      devices: {
        card: { port: sims.card!.port, baudRate: 9600, model: 'CRT-591-M' },
        pos: { port: sims.pos!.port, baudRate: 9600 },
        printer: { port: sims.printer!.port, baudRate: 115200 },
        idcard: { port: sims.idcard!.port, baudRate: 115200 },
        cash: { port: sims.cash!.port, baudRate: 9600, model: 'ITL-SSP' },
        // The simulated platform's e-voucher tokens are 'YB' and 16 digits.
        scanner: { port: sims.scanner!.port, baudRate: 9600, insurance: { prefixes: ['YB'], minLength: 16 } },
        // The A4 printer's simulator is ippeveprinter; its "port" is the printer's IPP URI.
        report: { printer: sims.report!.port },
      },
      payment: { methods: ['card', 'qr', 'cash', 'insurance'], cashOverpay: 'voucher' },
      demo: {
        card: sims.card!.socket, pos: sims.pos!.socket, printer: sims.printer!.socket, idcard: sims.idcard!.socket, cash: sims.cash!.socket, scanner: sims.scanner!.socket,
        patientCardNo: patient.cardNo, ...(patient.insuranceCode ? { patientInsuranceCode: patient.insuranceCode } : {}),
      },
    };
    const configFile = path.join(dir, 'kiosk.json');
    fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
    const kiosk = spawn(zizhu, ['kiosk', '--config', configFile], { stdio: 'inherit' });
    children.push(kiosk);
    // Ctrl-C reaches the whole foreground group; the kiosk handles it and we tidy up after it.
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => kiosk.kill('SIGTERM'));
    process.on('SIGHUP', () => kiosk.kill('SIGTERM'));
    // A closed terminal makes writes fail; the tidy-up below must still run.
    process.stdout.on('error', () => undefined);
    const code = await new Promise<number>((r) => kiosk.once('exit', (c) => r(c ?? 0)));
    console.log(`demo stopped; its data, logs and printed receipts are in ${dir}`);
    return code;
  } finally {
    await cleanup();
  }
}

async function firstLinePort(child: ChildProcess): Promise<string> {
  const lines = readline.createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (c) => reject(new Error(`simulator exited with ${c}`)));
  });
  lines.close();
  return (JSON.parse(line) as { port: string }).port;
}
