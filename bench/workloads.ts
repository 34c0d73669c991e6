import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { ulid } from 'ulid';
import { HisSimulator } from '../central/his/simulator.ts';
import type { RpcCall } from '../runtime/link.ts';

/** A seeded patient a simulated kiosk serves over and over. */
export interface BenchPatient {
  patientId: string;
  cardNo: string;
  unpaidBillNos: string[];
}

/** What one kiosk asks, request after request: `next()` gives the call to make once the last one is answered. */
export type KioskScript = { next(): Omit<RpcCall, 'timeoutMs'> };

export interface Workload {
  name: WorkloadName;
  /** One line for the report: which ops, and what each costs the bridge. */
  description: string;
  script(patient: BenchPatient): KioskScript;
}

export const workloadNames = ['read', 'money'] as const;
export type WorkloadName = (typeof workloadNames)[number];

/** Alternates the two ops a kiosk makes for every patient who walks up. */
function alternate(first: () => Omit<RpcCall, 'timeoutMs'>, second: () => Omit<RpcCall, 'timeoutMs'>): KioskScript {
  let turn = 0;
  return { next: () => ((turn++ % 2 === 0 ? first : second)()) };
}

export const workloads: Record<WorkloadName, Workload> = {
  read: {
    name: 'read',
    description: 'patient.identify (patient card) then bill.list: zod validation and HIS simulator reads; no ledger write',
    script: (p) =>
      alternate(
        () => ({ op: 'patient.identify', args: { credType: 'patientCard', credNo: p.cardNo } }),
        () => ({ op: 'bill.list', args: { patientId: p.patientId } }),
      ),
  },
  money: {
    name: 'money',
    description: 'bill.preSettle with a fresh txnId (opens a ledger transaction: several commits, each fsynced, plus a HIS commit) then txn.query of it (ledger read)',
    script: (p) => {
      let txnId = '';
      return alternate(
        () => {
          txnId = ulid();
          return { op: 'bill.preSettle', txnId, args: { patientId: p.patientId, billNos: p.unpaidBillNos } };
        },
        () => ({ op: 'txn.query', args: { txnId } }),
      );
    },
  },
};

/**
 * The seeded patients who have unpaid bills, read from a throwaway copy of the simulator: every
 * bridge phase seeds its own, identical one. A pre-settle never consumes a bill, so the money
 * workload can repeat it forever.
 */
export function benchPatients(): BenchPatient[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-bench-seed-'));
  try {
    const his = HisSimulator.open(dir);
    try {
      const patients = his
        .fixtures()
        .patients.map((p) => ({ patientId: p.patientId, cardNo: p.cardNo, unpaidBillNos: his.bills(p.patientId).filter((b) => !b.paid).map((b) => b.billNo) }))
        .filter((p) => p.unpaidBillNos.length > 0);
      if (patients.length === 0) throw new Error('the HIS simulator seed has no patient with an unpaid bill');
      return patients;
    } finally {
      his.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
