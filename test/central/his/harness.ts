import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { expect } from 'vitest';
import { HisError, HisSimulator, type CardPayment, type HisErrorCode, type HisErrorKind, type HisFunction, type HisPort } from '../../../central/his/index.ts';
import { stopChild, zizhuBin } from '../../helpers/processes.ts';
import type { FhirEngine } from './fhir-engine.ts';

/** Shared by the HIS tests: temporary folders, simulators on a chosen clock, and `zizhu his-sim serve` children. */

const dirs: string[] = [];
const simulators: HisSimulator[] = [];
const children: ChildProcess[] = [];
const engines: FhirEngine[] = [];

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-his-test-'));
  dirs.push(dir);
  return dir;
}

/** A simulator on a folder, closed by `cleanUp`. */
export function simulator(dir = tempDir(), now?: () => number): HisSimulator {
  const his = HisSimulator.open(dir, now ? { now } : {});
  simulators.push(his);
  return his;
}

export function closeSimulator(his: HisSimulator): void {
  his.close();
  simulators.splice(simulators.indexOf(his), 1);
}

export async function cleanUp(): Promise<void> {
  await Promise.all(children.splice(0).map((c) => stopChild(c)));
  await Promise.all(engines.splice(0).map((e) => e.close()));
  for (const his of simulators.splice(0)) his.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A settable clock: Monday 2 June 2025, 09:00 in Shanghai, unless told otherwise. */
export function clock(iso = '2025-06-02T09:00:00+08:00'): { now: () => number; advance: (ms: number) => void; set: (iso: string) => void } {
  let ms = Date.parse(iso);
  return { now: () => ms, advance: (by) => (ms += by), set: (to) => (ms = Date.parse(to)) };
}

export function card(amountFen: number, rrn = '512345678901'): CardPayment {
  return {
    method: 'card', amountFen, rrn, trace: '000123', batch: '000045', authCode: '654321',
    panMasked: '622848******1234', tid: '10000001', mid: '898330160120001', settleDate: '2025-06-02',
  };
}

/** The code and kind a call was refused with; fails the test when it was not refused with a HisError. */
export async function rejection(promise: Promise<unknown>): Promise<{ code: HisErrorCode; kind: HisErrorKind; detail: Record<string, unknown> }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HisError);
  const { code, kind, detail } = error as HisError;
  return { code, kind, detail };
}

export async function refusedWith(promise: Promise<unknown>): Promise<{ code: HisErrorCode; kind: HisErrorKind }> {
  const { code, kind } = await rejection(promise);
  return { code, kind };
}

/** `zizhu his-sim serve --port 0 --data DIR` as a child process; resolves once it listens. */
export async function serveChild(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(zizhuBin, ['his-sim', 'serve', '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  const lines = readline.createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`his-sim serve exited with ${code}`)));
  });
  lines.close();
  return { url: (JSON.parse(first) as { url: string }).url, child };
}

/**
 * A FHIR R4 engine (test/central/his/fhir-engine.ts) holding the seeded hospital as of `now`,
 * closed by `cleanUp`. Loaded on demand, so tests without one do not load Medplum.
 */
export async function fhirEngine(now?: number): Promise<FhirEngine> {
  const [{ startFhirEngine }, { seedHospital }] = await Promise.all([import('./fhir-engine.ts'), import('./fhir-seed.ts')]);
  const engine = await startFhirEngine((repo) => seedHospital(repo, now));
  engines.push(engine);
  return engine;
}

/**
 * Arguments of the right shape for every port function, naming nothing that exists where a fault
 * test needs the call to reach the HIS and no further: a fault fires before the HIS looks.
 */
export const sampleArgs: Record<HisFunction, object> = {
  identifyPatient: { credType: 'patientCard', credNo: '2000000101' },
  createPatient: { tradeNo: 'F-1', name: '某', sex: 'male', birthDate: '2000-01-01', idNumber: 'x', phone: 'x', cardNo: 'x' },
  querySchedule: {},
  lockSlot: { slotId: 'x', patientId: 'P0001', tradeNo: 'F-2' },
  unlockSlot: { lockId: 'x' },
  register: { lockId: 'x', patientId: 'P0001', tradeNo: 'F-3', payment: card(1) },
  listAppointments: { patientId: 'P0001' },
  bookAppointment: { slotId: 'x', patientId: 'P0001', tradeNo: 'F-4' },
  checkIn: { appointmentNo: 'x', patientId: 'P0001', tradeNo: 'F-5' },
  cancelAppointment: { appointmentNo: 'x', patientId: 'P0001', tradeNo: 'F-6' },
  listBills: { patientId: 'P0001' },
  preSettle: { patientId: 'P0001', billNos: ['x'], tradeNo: 'F-7' },
  settle: { preSettleId: 'x', tradeNo: 'F-8', payment: card(1) },
  accountBalance: { patientId: 'P0001' },
  recharge: { patientId: 'P0001', tradeNo: 'F-9', payment: card(1) },
  refundBalance: { patientId: 'P0001', tradeNo: 'F-10', amountFen: 1 },
  inpatientInfo: { patientId: 'P0009' },
  payDeposit: { admissionNo: 'x', tradeNo: 'F-11', payment: card(1) },
  dischargeCheck: { admissionNo: 'x' },
  dischargePreSettle: { admissionNo: 'x', tradeNo: 'F-12' },
  dischargeSettle: { preSettleId: 'x', tradeNo: 'F-13' },
  listReports: { patientId: 'P0001' },
  fetchReport: { reportId: 'x', patientId: 'P0001' },
  markReportPrinted: { reportId: 'x', patientId: 'P0001', tradeNo: 'F-14' },
  billHistory: { patientId: 'P0001', from: '2025-06-01', to: '2025-06-02' },
  inpatientCosts: { admissionNo: 'x' },
  searchPrices: { initials: 'X', page: 1, pageSize: 20 },
  doctorInfo: { doctorId: 'x' },
  receiptData: { tradeNo: 'x', patientId: 'P0001' },
  queryTrade: { tradeNo: 'x' },
};

/** Calls a port function by name, as the fault tests go through all of them. */
export function callPort(port: HisPort, fn: HisFunction, args: object): Promise<unknown> {
  return (port[fn] as (this: HisPort, arg: object) => Promise<unknown>).call(port, args);
}

/** The hospital's business day of an instant, and the day after: sessions of tomorrow are open all day long. */
export function businessDay(offsetDays = 0, ms = Date.now()): string {
  return new Date(ms + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
}
