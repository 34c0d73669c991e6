import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { redactPaths } from '../contract/redaction.ts';
import { CardDispenser } from '../drivers/card/driver.ts';
import { BillAcceptor } from '../drivers/cash/driver.ts';
import { IdCardReader } from '../drivers/idcard/driver.ts';
import { PaymentModule } from '../drivers/pos/driver.ts';
import { ReceiptPrinter } from '../drivers/printer/driver.ts';
import { ReportPrinter } from '../drivers/report/driver.ts';
import { QrScanner } from '../drivers/scanner/driver.ts';
import { KioskTerminal } from '../screens/terminal.ts';
import type { ScreenView } from '../screens/view.ts';
import { ConfigError, type KioskConfig } from './config.ts';
import { CardMoves } from './card-moves.ts';
import { CashSteps } from './cash-steps.ts';
import { MaintenanceSteps } from './maintenance-steps.ts';
import { QrSteps } from './qr-steps.ts';
import { ReportSteps } from './report-steps.ts';
import { crashHookFromEnv } from './journal/crash-hook.ts';
import { Journal } from './journal/journal.ts';
import { FleetAgent } from './fleet.ts';
import { DeviceHealth } from './health.ts';
import { Link } from './link.ts';
import { Outbox } from './outbox.ts';
import { PaymentSteps } from './payment-steps.ts';
import { recoverOpenTransactions } from './recovery.ts';
import { RefundSteps } from './refund-steps.ts';
import { SessionHost } from './session-host.ts';

const zizhuVersion = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export class DeviceOpenError extends Error {
  override readonly name = 'DeviceOpenError';
}

/**
 * Boot order (DESIGN.md §5): journal, devices, link, screen; then recovery of every open
 * transaction before the first patient; then the session. Returns a stop function.
 */
export async function runKiosk(config: KioskConfig): Promise<() => Promise<void>> {
  const tls = readTls(config.broker.tls);
  const log = pino({ name: 'kiosk', redact: redactPaths }, pino.destination({ dest: path.join(path.dirname(path.resolve(config.journal)), 'kiosk.log'), sync: true }));
  const logFn = (msg: string, fields?: Record<string, unknown>) => log.info(fields ?? {}, msg);
  const journal = Journal.open(config.journal, { afterWrite: crashHookFromEnv() });

  const open = async <T>(name: string, opener: () => Promise<T>): Promise<T> => {
    try {
      return await opener();
    } catch (e) {
      throw new DeviceOpenError(`devices.${name}: ${(e as Error).message}`);
    }
  };
  const m1 = config.devices.card.m1;
  const card = await open('card', () =>
    CardDispenser.open(config.devices.card.port, {
      baudRate: config.devices.card.baudRate,
      ...(m1 ? { layout: { sector: m1.sector, block: m1.block }, key: { type: m1.keyType, key: Buffer.from(m1.key, 'hex') } } : {}),
    }),
  );
  await open('card', () => card.initialize());
  const pos = await open('pos', () => PaymentModule.open(config.devices.pos.port, { baudRate: config.devices.pos.baudRate, saleTimeoutMs: config.timeouts.saleMs }));
  const printer = await open('printer', () => ReceiptPrinter.open(config.devices.printer.port, { baudRate: config.devices.printer.baudRate }));
  const idCardConfig = config.devices.idcard;
  const idCard = idCardConfig && (await open('idcard', () => IdCardReader.open(idCardConfig.port, { baudRate: idCardConfig.baudRate })));
  const cashConfig = config.devices.cash;
  const cash = cashConfig && (await open('cash', () => BillAcceptor.open(cashConfig.port, { baudRate: cashConfig.baudRate })));
  if (cash) await open('cash', () => cash.connect());
  const scannerConfig = config.devices.scanner;
  const scanner = scannerConfig && (await open('scanner', () => QrScanner.open(scannerConfig.port, { baudRate: scannerConfig.baudRate, insurance: scannerConfig.insurance })));
  const report = config.devices.report && new ReportPrinter(config.devices.report.printer);

  const link = new Link(config.kioskId, config.broker.url, logFn, tls);
  const outbox = new Outbox(journal, link);
  const afterRecord = () => void outbox.pump();
  link.start();
  outbox.start();

  const health = new DeviceHealth(
    {
      printer: async (signal) => ({ ...(await printer.status(signal)) }),
      pos: (signal) => pos.status({ signal }),
      card: (signal) => card.status(signal),
      ...(idCard ? { idcard: (signal: AbortSignal) => idCard.samStatus(signal) } : {}),
      ...(cash ? { cash: (signal: AbortSignal) => cash.status(signal) } : {}),
      ...(scanner ? { scanner: async () => scanner.status() } : {}),
      ...(report ? { report: (signal: AbortSignal) => report.status(signal) } : {}),
    },
    { pollMs: config.fleet.healthPollMs, probeTimeoutMs: 5000 },
  );
  const fleet = new FleetAgent(link, journal, health, { heartbeatMs: config.fleet.heartbeatMs, version: zizhuVersion, methods: config.payment.methods });
  health.start();
  fleet.start();

  if (!process.stdout.isTTY) throw new ConfigError('the kiosk draws its screen on a terminal, and stdout is not one');
  const terminal = new KioskTerminal({ columns: config.screen.columns, rows: config.screen.rows });
  terminal.start();
  const base: Omit<ScreenView, 'screen' | 'voice'> = { hospital: config.site.hospital, location: config.site.location, kioskId: config.kioskId, serviceAvailable: false };
  terminal.draw({ ...base, screen: 'recovering', voice: 'recovering' });

  const steps = new PaymentSteps({ config, journal, link, pos, printer, afterRecord, log: logFn });
  const refunds = new RefundSteps({ config, journal, link, pos, steps, afterRecord, log: logFn });
  const cardMoves = new CardMoves(card, (entry) => {
    journal.record(entry);
    afterRecord();
  });
  const cashSteps = cash && new CashSteps({ journal, acceptor: cash, afterRecord, overpay: config.payment.cashOverpay, log: logFn });
  const qrSteps = scanner && config.payment.methods.includes('qr') ? new QrSteps({ config, journal, link, scanner, steps, afterRecord, log: logFn }) : undefined;
  const reportSteps = report && new ReportSteps({ config, journal, link, printer: report, afterRecord, log: logFn });
  const maintenance = new MaintenanceSteps({ config, journal, health, fleet, steps, afterRecord });
  const session = new SessionHost({ config, link, card, idCard, scanner, cardMoves, steps, refunds, cash: cashSteps, qr: qrSteps, reports: reportSteps, fleet, maintenance, log: logFn, journal }, (view) => terminal.draw(view));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    session.stop();
    fleet.stop();
    health.stop();
    outbox.stop();
    terminal.stop();
    await link.stop();
    await Promise.allSettled([card.close(), pos.close(), printer.close(), idCard?.close(), cash?.close(), scanner?.close()]);
    journal.close();
  };
  terminal.onEvent((event) => (event.type === 'callStaff' ? session.callStaff() : session.send(event)));
  terminal.onKey((key) => {
    if (key === 'CTRL_C') process.kill(process.pid, 'SIGINT');
    else if (config.demo) playPatient(config.demo, key);
  });

  // Recovery asks central and insists until it answers; a short wait spares the first retries.
  await link.waitForCentral(5000);
  const recovered = await recoverOpenTransactions(journal, steps, refunds, logFn);
  await cardMoves.returnLeftCard(config.timeouts.takeCardMs);
  log.info({ recovered }, 'kiosk ready');
  session.start();
  return stop;
}

function readTls(files: KioskConfig['broker']['tls']): { ca: Buffer; cert: Buffer; key: Buffer } | undefined {
  if (!files) return undefined;
  const read = (name: keyof typeof files) => {
    try {
      return fs.readFileSync(files[name]);
    } catch (e) {
      throw new ConfigError(`broker.tls.${name}: ${(e as Error).message}`);
    }
  };
  return { ca: read('ca'), cert: read('cert'), key: read('key') };
}

/** Demo keys play the patient by talking to the simulators' control sockets. */
function playPatient(demo: NonNullable<KioskConfig['demo']>, key: string): void {
  const commands: Record<string, [string, string]> = {
    F2: [demo.card, `insert ${demo.patientCardNo}`],
    F3: [demo.pos, 'approve'],
    F4: [demo.pos, 'decline'],
    F5: [demo.card, 'take'],
    ...(demo.idcard ? { F6: [demo.idcard, 'place'] as [string, string], F7: [demo.idcard, 'remove'] as [string, string] } : {}),
    ...(demo.cash ? { F8: [demo.cash, 'insert 10000'] as [string, string] } : {}),
    // A WeChat code the channel simulator pays at once (docs/qr-channels.md, payers).
    ...(demo.scanner ? { F9: [demo.scanner, 'scan 135555555555555555'] as [string, string] } : {}),
    // The fixture patient's medical-insurance e-voucher.
    ...(demo.scanner && demo.patientInsuranceCode ? { F10: [demo.scanner, `scan ${demo.patientInsuranceCode}`] as [string, string] } : {}),
    // The ID card of a person the hospital has never seen: card issue (建档发卡).
    ...(demo.idcard ? { F11: [demo.idcard, 'place no-record'] as [string, string] } : {}),
  };
  const command = commands[key];
  if (!command) return;
  const socket = net.connect(command[0], () => socket.end(command[1] + '\n'));
  socket.on('error', () => undefined);
}
