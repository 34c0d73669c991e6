import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startBroker, type RunningBroker } from '../../central/broker/mosquitto.ts';
import { CertificateAuthority } from '../../central/ca/index.ts';
import { HisSimulator } from '../../central/his/simulator.ts';
import { IppPrinterSimulator } from '../../drivers/report/simulator.ts';
import { exampleConfig, type KioskConfig } from '../../runtime/config.ts';
import { runZizhu, SimProcess, stopChild, zizhuBin } from './processes.ts';

type Patient = { patientId: string; cardNo: string; name: string; idNumber: string; insuranceCode?: string; bills: { billNo: string; amountFen: number }[] };

function spawnBridge(dir: string, args: string[], env: Record<string, string>): ChildProcess {
  const log = fs.openSync(path.join(dir, 'bridge.log'), 'a');
  return spawn(zizhuBin, args, { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
}

/**
 * Waits until the `n`-th "bridge online" line is in the bridge's log: a kiosk that boots before
 * any worker is online shows payment as unavailable, which is right, but not what a test wants.
 */
async function bridgeOnline(dir: string, n: number, timeoutMs = 30_000): Promise<void> {
  const file = path.join(dir, 'bridge.log');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (text.split('"msg":"bridge online"').length - 1 >= n) return;
    if (Date.now() > until) throw new Error(`the bridge did not come online within ${timeoutMs} ms:\n${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Everything but the kiosk, each a real process: Mosquitto, the bridge with the simulated
 * hospital, and the three device simulators. Tests start kiosks against it.
 */
export class Stack {
  private constructor(
    readonly dir: string,
    private currentBroker: RunningBroker,
    private bridgeProcess: ChildProcess,
    private readonly bridgeArgs: string[],
    private readonly bridgeEnv: Record<string, string>,
    readonly card: SimProcess,
    readonly pos: SimProcess,
    readonly printer: SimProcess,
    /** The bill acceptor, when the test asked for one. */
    readonly cash: SimProcess | undefined,
    /** The QR scanner, when the test asked for one (the bridge then runs the QR channel simulators). */
    readonly scanner: SimProcess | undefined,
    /** The A4 report printer (ippeveprinter), when the test asked for one. */
    readonly report: IppPrinterSimulator | undefined,
    readonly patient: Patient,
    /** Every seeded patient, the first being `patient`. */
    readonly patients: Patient[],
    /** The ID card reader, when the test asked for one: `placeIdCard` puts a person's card on it. */
    readonly idcard: SimProcess | undefined,
  ) {}

  get bridge(): ChildProcess {
    return this.bridgeProcess;
  }

  get broker(): RunningBroker {
    return this.currentBroker;
  }

  /** The broker goes away (a crash, a restart) for `downMs`, then comes back on the same port and folder. */
  async restartBroker(downMs: number): Promise<void> {
    const { port, dataDir, url } = this.currentBroker;
    await this.currentBroker.stop();
    await new Promise((r) => setTimeout(r, downMs));
    this.currentBroker = await startBroker({ port, dataDir, tls: url.startsWith('mqtts://') });
  }

  /** The bridge dies as a power cut would take it (SIGKILL) and a new one starts on the same ledger. */
  async restartBridge(): Promise<void> {
    const old = this.bridgeProcess;
    if (old.exitCode === null && old.signalCode === null) {
      const gone = new Promise((r) => old.once('exit', r));
      old.kill('SIGKILL');
      await gone;
    }
    this.bridgeProcess = spawnBridge(this.dir, this.bridgeArgs, this.bridgeEnv);
    this.bridgeStarts += 1;
    await bridgeOnline(this.dir, this.bridgeStarts);
  }

  private bridgeStarts = 1;

  /**
   * `insurance`: the bridge runs the national insurance platform simulator, and the kiosk settles bills with it (e-vouchers at the scanner).
   * `env`: added to the bridge's environment (e.g. ZIZHU_TIME_SCALE); the HIS simulator runs in the bridge's process.
   */
  static async start(options: { broker?: RunningBroker; cash?: boolean; scanner?: boolean; report?: boolean; tls?: boolean; insurance?: boolean; idcard?: boolean; env?: Record<string, string> } = {}): Promise<Stack> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-e2e-'));
    const broker = options.broker ?? (await startBroker({ port: await freePort(), dataDir: path.join(dir, 'broker'), tls: options.tls }));
    // Mutual TLS: the broker's CA issues the bridge worker's and the kiosk's certificates.
    const certs = path.join(dir, 'certs');
    if (options.tls) {
      const ca = CertificateAuthority.open(broker.dataDir);
      ca.issue({ name: 'e2e', role: 'bridge', outDir: certs });
      ca.issue({ name: 'E2E-001', role: 'kiosk', outDir: certs });
    }
    const hisDir = path.join(dir, 'his');
    const his = HisSimulator.open(hisDir);
    const patients = his.fixtures().patients;
    his.close();
    const pay = options.scanner ? ['--pay', 'sim', '--pay-data', path.join(dir, 'pay')] : [];
    const insurance = options.insurance ? ['--insurance', 'sim', '--insurance-data', path.join(dir, 'insurance')] : [];
    const bridgeArgs = ['bridge', '--broker', broker.url, '--his', 'sim', '--his-data', hisDir, '--ledger', path.join(dir, 'ledger.sqlite'), '--worker', 'e2e', ...pay, ...insurance, ...(options.tls ? ['--tls', certs] : [])];
    const bridgeEnv = options.env ?? {};
    const bridge = spawnBridge(dir, bridgeArgs, bridgeEnv);
    const idcardStarting = options.idcard ? SimProcess.start('idcard') : undefined;
    const [card, pos, printer, cash, scanner, report] = await Promise.all([
      SimProcess.start('card'),
      SimProcess.start('pos'),
      SimProcess.start('printer'),
      options.cash ? SimProcess.start('cash') : undefined,
      options.scanner ? SimProcess.start('scanner') : undefined,
      options.report ? IppPrinterSimulator.start() : undefined,
    ]);
    await bridgeOnline(dir, 1);
    return new Stack(dir, broker, bridge, bridgeArgs, bridgeEnv, card, pos, printer, cash, scanner, report, patients[0]!, patients, await idcardStarting);
  }

  kioskConfig(overrides: Partial<KioskConfig> = {}): string {
    const config: KioskConfig = {
      ...exampleConfig(),
      kioskId: 'E2E-001',
      broker: {
        url: this.broker.url,
        ...(this.broker.url.startsWith('mqtts://') ? { tls: { ca: path.join(this.dir, 'certs', 'ca.crt'), cert: path.join(this.dir, 'certs', 'E2E-001.crt'), key: path.join(this.dir, 'certs', 'E2E-001.key') } } : {}),
      },
      journal: path.join(this.dir, 'journal.sqlite'),
      devices: {
        card: { port: this.card.port, baudRate: 9600, model: 'CRT-591-M' },
        pos: { port: this.pos.port, baudRate: 9600 },
        printer: { port: this.printer.port, baudRate: 115200 },
        ...(this.cash ? { cash: { port: this.cash.port, baudRate: 9600, model: 'ITL-SSP' as const } } : {}),
        // The seeded e-voucher tokens are 'YB' and 16 digits (central/his/seed.ts).
        ...(this.scanner ? { scanner: { port: this.scanner.port, baudRate: 9600, insurance: { prefixes: ['YB'], minLength: 16 } } } : {}),
        ...(this.report ? { report: { printer: this.report.uri } } : {}),
        ...(this.idcard ? { idcard: { port: this.idcard.port, baudRate: 115200 } } : {}),
      },
      payment: {
        methods: ['card', ...(this.scanner ? (['qr'] as const) : []), ...(this.cash ? (['cash'] as const) : []), ...(this.bridgeArgs.includes('--insurance') ? (['insurance'] as const) : [])],
        cashOverpay: 'voucher',
      },
      // An insurance pre-settle is four platform calls and the HIS's: 3 s was too tight on a busy CI machine.
      timeouts: { choiceMs: 20_000, takeCardMs: 5000, goodbyeMs: 1000, rpcMs: 6000, saleMs: 20_000, settleDeadlineMs: 10_000 },
      // The journeys written before the other flows: bills alone go straight to the bill list.
      // A test of another flow names the flows it wants, which fixes its menu keys.
      flows: this.report ? ['bills', 'reports'] : ['bills'],
      ...overrides,
    };
    const file = path.join(this.dir, 'kiosk.json');
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
    return file;
  }

  /** A person puts their ID card (a profile of drivers/idcard/simulator.ts) on the reader, lifting off any card lying there first. */
  async placeIdCard(profile: string): Promise<void> {
    const reader = this.idcard!;
    if ((await reader.control('state')).field !== 'empty') await reader.control('remove');
    const placed = await reader.control(`place ${profile}`);
    if (placed.ok !== true) throw new Error(`the ID card was not placed: ${String(placed.error)}`);
  }

  get journalFile(): string {
    return path.join(this.dir, 'journal.sqlite');
  }

  /**
   * A patient feeds one note into the bill acceptor, once it is enabled (a note pushed at a closed
   * acceptor does not go in), and waits until the unit stacked or returned it. `orUntil` ends the
   * wait early, e.g. the kiosk's exit in a crash test.
   */
  async feedNote(fen: number, orUntil?: Promise<unknown>): Promise<'stacked' | 'returned' | 'gone'> {
    const cash = this.cash!;
    let gone = false;
    void orUntil?.then(() => (gone = true));
    const until = Date.now() + 30_000;
    while (!((await cash.control('state')) as { enabled?: boolean }).enabled) {
      if (gone) return 'gone';
      if (Date.now() > until) throw new Error('the bill acceptor was never enabled');
      await new Promise((r) => setTimeout(r, 50));
    }
    const mark = cash.lines.length;
    await cash.control(`insert ${fen}`);
    const seen = cash.find((l) => l.event === 'cash' && (l.action === 'stacked' || l.action === 'returned'), mark).then((l) => l.action as 'stacked' | 'returned');
    return orUntil ? Promise.race([seen, orUntil.then(() => 'gone' as const)]) : seen;
  }

  async hisBills(patientId = this.patient.patientId): Promise<{ billNo: string; amountFen: number; paid: boolean; hisReceiptNo?: string }[]> {
    const r = await runZizhu(['his-sim', 'bills', '--patient', patientId, '--data', path.join(this.dir, 'his')]);
    return (JSON.parse(r.stdout) as { bills: { billNo: string; amountFen: number; paid: boolean; hisReceiptNo?: string }[] }).bills;
  }

  async posLedger(): Promise<{ sales: number; voids: number; records: { transType?: string; approved: boolean; voided: boolean; orderId: string; amountFen: number }[] }> {
    return (await this.pos.control('ledger')) as never;
  }

  async stop(options: { keepBroker?: boolean } = {}): Promise<void> {
    await Promise.all([stopChild(this.bridge), this.card.stop(), this.pos.stop(), this.printer.stop(), this.cash?.stop(), this.scanner?.stop(), this.report?.stop(), this.idcard?.stop()]);
    if (!options.keepBroker) await this.broker.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
