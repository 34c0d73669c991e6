import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Appointment, ChargeItem, Encounter, Invoice, PaymentReconciliation, Slot, Task } from '@medplum/fhirtypes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../central/broker/mosquitto.ts';
import { FhirHis } from '../../../central/his/fhir-adapter.ts';
import { codes, defaultSystems, extensions } from '../../../central/his/fhir/systems.ts';
import { hisFunctions, type HisPort, type HisSimulator } from '../../../central/his/index.ts';
import { repoRoot } from '../../helpers/processes.ts';
import type { FhirEngine } from './fhir-engine.ts';
import { businessDay, card, cleanUp, fhirEngine, rejection, refusedWith, simulator, tempDir } from './harness.ts';

/**
 * The FHIR adapter against a real FHIR R4 engine (Medplum's router over node:http, seeded with
 * the simulator's hospital), asserted from both sides: what the port answers, and what the FHIR
 * server then holds. Faults are played by the engine itself or by small misbehaving servers.
 */

const trade = defaultSystems.tradeNo;

async function search<T>(engine: FhirEngine, type: string, query: string): Promise<T[]> {
  const res = await fetch(`${engine.url}/${type}?${query}`);
  return ((await res.json()) as { entry?: { resource: T }[] }).entry?.map((e) => e.resource) ?? [];
}

describe('the FHIR adapter holds the simulator\'s hospital, answer for answer', () => {
  let engine: FhirEngine;
  let fhir: FhirHis;
  let sim: HisSimulator;

  beforeAll(async () => {
    engine = await fhirEngine();
    fhir = new FhirHis({ baseUrl: engine.url });
    sim = simulator(tempDir());
  });
  afterAll(cleanUp);

  it('identifies by patient card, ID number (either case of X) and insurance code', async () => {
    const byCard = await fhir.identifyPatient({ credType: 'patientCard', credNo: '2000000104' });
    expect(byCard).toEqual({ patientId: 'P0004', name: '陈静', idNumber: '33010519930717086X', cardNo: '2000000104', sex: 'female', birthDate: '1993-07-17' });
    expect(await fhir.identifyPatient({ credType: 'idCard', credNo: '33010519930717086x' })).toEqual(byCard);
    expect(await fhir.identifyPatient({ credType: 'insuranceCode', credNo: 'YB3301000000000004' })).toEqual(byCard);
    expect(await refusedWith(fhir.identifyPatient({ credType: 'idCard', credNo: '330106196803120216' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
    expect(await rejection(fhir.identifyPatient({ credType: 'passport' as 'idCard', credNo: 'x' }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'credType' } });
  });

  it('lists the same bills, appointments, stays, reports and balances as the simulator', async () => {
    for (const patientId of ['P0001', 'P0002', 'P0003', 'P0004', 'P0005', 'P0006', 'P0007', 'P0008', 'P0010', 'P0012', 'P0014']) {
      expect(await fhir.listBills({ patientId }), patientId).toEqual(await sim.listBills({ patientId }));
      expect(await fhir.listAppointments({ patientId }), patientId).toEqual(await sim.listAppointments({ patientId }));
      expect(await fhir.listReports({ patientId }), patientId).toEqual(await sim.listReports({ patientId }));
      expect(await fhir.accountBalance({ patientId }), patientId).toEqual(await sim.accountBalance({ patientId }));
    }
    for (const admissionNo of ['ZY2025000101', 'ZY2025000102', 'ZY2025000103']) {
      expect(await fhir.inpatientInfo({ admissionNo })).toEqual(await sim.inpatientInfo({ admissionNo }));
      expect(await fhir.dischargeCheck({ admissionNo })).toEqual(await sim.dischargeCheck({ admissionNo }));
    }
    expect(await fhir.accountBalance({ patientId: 'P0011' })).toEqual({ patientId: 'P0011', balanceFen: 23650, rechargeOffered: false });
  });

  it('offers the same sessions with the same numbers left', async () => {
    for (const date of [businessDay(1), businessDay(7), businessDay(14)]) {
      expect(await fhir.querySchedule({ date }), date).toEqual(await sim.querySchedule({ date }));
    }
    expect(await fhir.querySchedule({ date: businessDay(2), deptId: 'D02' })).toEqual(await sim.querySchedule({ date: businessDay(2), deptId: 'D02' }));
    expect(await rejection(fhir.querySchedule({ date: businessDay(15) }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'date' } });
  });

  it('serves the same report PDF, inline or from a Binary, and counts prints as Tasks', async () => {
    const inline = await fhir.fetchReport({ reportId: 'R000000001', patientId: 'P0012' });
    const fromBinary = await fhir.fetchReport({ reportId: 'R000000004', patientId: 'P0001' });
    for (const [doc, query] of [[inline, { reportId: 'R000000001', patientId: 'P0012' }], [fromBinary, { reportId: 'R000000004', patientId: 'P0001' }]] as const) {
      const same = await sim.fetchReport(query);
      expect(doc.pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(doc.pdf.equals(same.pdf)).toBe(true);
      expect(doc).toEqual(same);
    }
    const printed = await fhir.markReportPrinted({ reportId: 'R000000004', patientId: 'P0001', tradeNo: 'F-PRINT' });
    expect(await fhir.markReportPrinted({ reportId: 'R000000004', patientId: 'P0001', tradeNo: 'F-PRINT' })).toEqual(printed);
    expect(await fhir.fetchReport({ reportId: 'R000000004', patientId: 'P0001' })).toMatchObject({ printed: true, printCount: 1, printedAt: printed.printedAt });
    const prints = await search<Task>(engine, 'Task', 'focus=DiagnosticReport/R000000004');
    expect(prints.map((t) => t.code?.coding?.[0]?.code)).toEqual(['markReportPrinted']);
    expect(await refusedWith(fhir.fetchReport({ reportId: 'R000000004', patientId: 'P0012' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });
});

describe('paying bills through FHIR', () => {
  let engine: FhirEngine;
  let fhir: FhirHis;

  beforeAll(async () => {
    engine = await fhirEngine();
    fhir = new FhirHis({ baseUrl: engine.url });
  });
  afterAll(cleanUp);

  it('pre-settles, settles once per trade number, and the trade number finds it', async () => {
    const pre = await fhir.preSettle({ patientId: 'P0003', billNos: ['MZ00000301', 'MZ00000303'], tradeNo: 'F-PAY' });
    expect(pre).toMatchObject({ totalFen: 49600, fundFen: 0, acctFen: 0, selfFen: 49600 });
    expect(await refusedWith(fhir.settle({ preSettleId: pre.preSettleId, tradeNo: 'F-PAY', payment: card(49599) }))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    expect(await fhir.queryTrade({ tradeNo: 'F-PAY' })).toEqual({ state: 'notFound' });

    const request = { preSettleId: pre.preSettleId, tradeNo: 'F-PAY', payment: card(49600) };
    const settled = await fhir.settle(request);
    expect(settled.hisReceiptNo).toMatch(/^SF\d{8}[0-9A-Z]{10}$/);
    // A second adapter on the same server, as a second bridge worker: the first receipt again.
    expect(await new FhirHis({ baseUrl: engine.url }).settle(request)).toEqual(settled);
    expect(await fhir.queryTrade({ tradeNo: 'F-PAY' })).toEqual({ state: 'settled', kind: 'settle', hisReceiptNo: settled.hisReceiptNo, paidFen: 49600, refundFen: 0, settledAt: settled.settledAt });
    expect((await fhir.listBills({ patientId: 'P0003' })).bills.map((b) => b.billNo)).toEqual(['MZ00000302']);
    expect(await refusedWith(fhir.preSettle({ patientId: 'P0003', billNos: ['MZ00000302'], tradeNo: 'F-PAY' }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });

    // What the FHIR server now holds: the bills balanced, one payment and one trade record.
    const invoices = await search<Invoice>(engine, 'Invoice', 'subject=Patient/P0003');
    expect(Object.fromEntries(invoices.map((i) => [i.id, i.status]))).toEqual({ MZ00000301: 'balanced', MZ00000302: 'issued', MZ00000303: 'balanced' });
    const payments = await search<PaymentReconciliation>(engine, 'PaymentReconciliation', `identifier=${trade}|F-PAY`);
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ paymentAmount: { value: 496, currency: 'CNY' }, paymentIdentifier: { value: '512345678901' } });
    expect(await search<Task>(engine, 'Task', `identifier=${trade}|F-PAY`)).toHaveLength(1);
  });

  it('refuses a bill paid at the counter since the pre-settle, changing nothing', async () => {
    const pre = await fhir.preSettle({ patientId: 'P0007', billNos: ['MZ00000701', 'MZ00000702'], tradeNo: 'F-COUNTER' });
    const bill = (await engine.repo.readResource<Invoice>('Invoice', 'MZ00000702'));
    await engine.repo.updateResource({ ...bill, status: 'balanced' });
    expect(await refusedWith(fhir.settle({ preSettleId: pre.preSettleId, tradeNo: 'F-COUNTER', payment: card(pre.selfFen) }))).toEqual({ code: 'BILL_NOT_PAYABLE', kind: 'definite' });
    expect(await fhir.queryTrade({ tradeNo: 'F-COUNTER' })).toEqual({ state: 'notFound' });
    expect((await engine.repo.readResource<Invoice>('Invoice', 'MZ00000701')).status).toBe('issued');
  });

  it('expires a pre-settle on the adapter\'s clock, but a settled trade answers after that', async () => {
    let now = Date.now();
    const late = new FhirHis({ baseUrl: engine.url, now: () => now, preSettleTtlMs: 60_000 });
    const pre = await late.preSettle({ patientId: 'P0006', billNos: ['MZ00000601'], tradeNo: 'F-LATE' });
    now += 61_000;
    expect(await refusedWith(late.settle({ preSettleId: pre.preSettleId, tradeNo: 'F-LATE', payment: card(pre.selfFen) }))).toEqual({ code: 'PRESETTLE_EXPIRED', kind: 'definite' });
    const again = await late.preSettle({ patientId: 'P0006', billNos: ['MZ00000601'], tradeNo: 'F-LATE' });
    const request = { preSettleId: again.preSettleId, tradeNo: 'F-LATE', payment: card(again.selfFen) };
    const settled = await late.settle(request);
    now += 3_600_000;
    expect(await late.settle(request)).toEqual(settled);
    expect(await refusedWith(late.settle({ preSettleId: 'PS-NONE', tradeNo: 'F-NONE', payment: card(1) }))).toEqual({ code: 'PRESETTLE_NOT_FOUND', kind: 'definite' });
    expect(await refusedWith(late.payDeposit({ admissionNo: 'ZY2025000103', tradeNo: 'F-LATE', payment: card(100) }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
  });

  it('settles many bills in one transaction, beyond Medplum\'s cap on conditional ones', async () => {
    const billNos = Array.from({ length: 8 }, (_, n) => `MZ0000089${n}`);
    for (const [n, billNo] of billNos.entries()) {
      await engine.repo.createResource<ChargeItem>({ resourceType: 'ChargeItem', id: `${billNo}-1`, status: 'billed', subject: { reference: 'Patient/P0008' }, code: { text: '处方药' }, quantity: { value: 1, unit: '盒' }, priceOverride: { value: n + 1, currency: 'CNY' } });
      await engine.repo.createResource<Invoice>({
        resourceType: 'Invoice', id: billNo, identifier: [{ system: defaultSystems.billNo, value: billNo }], status: 'issued', subject: { reference: 'Patient/P0008' },
        date: '2025-06-06T16:30:00+08:00', issuer: { display: '内科' }, participant: [{ actor: { display: '吴晓梅' } }], totalGross: { value: n + 1, currency: 'CNY' },
        lineItem: [{ sequence: 1, chargeItemReference: { reference: `ChargeItem/${billNo}-1` }, priceComponent: [{ type: 'base', amount: { value: n + 1, currency: 'CNY' } }] }],
      });
    }
    const pre = await fhir.preSettle({ patientId: 'P0008', billNos, tradeNo: 'F-MANY' });
    expect(pre.selfFen).toBe(3600);
    expect(await fhir.settle({ preSettleId: pre.preSettleId, tradeNo: 'F-MANY', payment: card(3600) })).toMatchObject({ hisReceiptNo: expect.stringMatching(/^SF/) });
    expect((await fhir.listBills({ patientId: 'P0008' })).bills.map((b) => b.billNo)).toEqual(['MZ00000801']);
  });

  it('discharges on the insurer\'s ClaimResponse, and only on figures the patient saw', async () => {
    const due = await fhir.dischargePreSettle({ admissionNo: 'ZY2025000102', tradeNo: 'F-OUT' });
    expect(due).toMatchObject({ totalFen: 134567, fundFen: 0, selfFen: 134567, depositFen: 100000, dueFen: 34567, refundFen: 0 });
    await fhir.payDeposit({ admissionNo: 'ZY2025000102', tradeNo: 'F-DEP', payment: card(20000) });
    expect(await refusedWith(fhir.dischargeSettle({ preSettleId: due.preSettleId, tradeNo: 'F-OUT', payment: card(34567) }))).toEqual({ code: 'PRESETTLE_EXPIRED', kind: 'definite' });
    const again = await fhir.dischargePreSettle({ admissionNo: 'ZY2025000102', tradeNo: 'F-OUT' });
    const settled = await fhir.dischargeSettle({ preSettleId: again.preSettleId, tradeNo: 'F-OUT', payment: card(14567) });
    expect(settled).toMatchObject({ paidFen: 14567, refundFen: 0, invoiceNo: expect.stringMatching(/^FP\d{8}/) });
    expect((await engine.repo.readResource<Encounter>('Encounter', 'ZY2025000102')).status).toBe('finished');
    expect(await fhir.dischargeCheck({ admissionNo: 'ZY2025000102' })).toMatchObject({ eligible: false, reasons: [{ code: 'DISCHARGED' }] });

    await engine.repo.deleteResource('ClaimResponse', 'CLR-ZY2025000101');
    expect(await rejection(fhir.dischargePreSettle({ admissionNo: 'ZY2025000101', tradeNo: 'F-NOCLAIM' }))).toMatchObject({ code: 'NOT_ALLOWED', detail: { reasons: ['NO_INSURANCE_ADJUDICATION'] } });
  });

  it('keeps a receipt for every trade, only for its patient', async () => {
    const receipt = await fhir.receiptData({ tradeNo: 'F-PAY', patientId: 'P0003' });
    expect(receipt).toMatchObject({ kind: 'settle', title: '门诊缴费凭条', totalFen: 49600, paidFen: 49600, payment: card(49600) });
    expect(receipt.lines.map((l) => l.amountFen).reduce((a, b) => a + b, 0)).toBe(49600);
    expect(await refusedWith(fhir.receiptData({ tradeNo: 'F-PAY', patientId: 'P0004' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });
});

describe('numbers under contention', () => {
  let engine: FhirEngine;
  let slotId: string;

  beforeAll(async () => {
    engine = await fhirEngine();
    // 周建国 (主任医师) sees three patients a session: his first session from tomorrow on.
    const schedule = await new FhirHis({ baseUrl: engine.url }).querySchedule({ doctorId: 'E001' });
    slotId = schedule.slots.find((s) => s.date > businessDay(0))!.slotId;
  });
  afterAll(cleanUp);

  it('five kiosks lock a session of three numbers at once: three holds, two SLOT_FULL', async () => {
    const patients = ['P0001', 'P0002', 'P0003', 'P0004', 'P0005'];
    const results = await Promise.allSettled(patients.map((patientId, n) => new FhirHis({ baseUrl: engine.url }).lockSlot({ slotId, patientId, tradeNo: `F-RACE-${n}` })));
    const held = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(held).toHaveLength(3);
    expect(await Promise.all(results.filter((r) => r.status === 'rejected').map((r) => refusedWith(Promise.reject((r as PromiseRejectedResult).reason))))).toEqual([
      { code: 'SLOT_FULL', kind: 'definite' }, { code: 'SLOT_FULL', kind: 'definite' },
    ]);
    const slots = await search<Slot>(engine, 'Slot', `schedule=Schedule/E001&status=busy-tentative`);
    expect(new Set(slots.map((s) => s.id)).size).toBe(3);
    const holds = await search<Appointment>(engine, 'Appointment', 'status=pending');
    expect(holds.map((h) => h.id).sort()).toEqual(held.map((h) => h.lockId).sort());
  });

  it('a hold that lapses frees its number; registering on it is LOCK_EXPIRED', async () => {
    let now = Date.now();
    const his = new FhirHis({ baseUrl: engine.url, now: () => now, slotHoldMs: 60_000 });
    const tomorrow = businessDay(1);
    const session = `E004-${tomorrow.replaceAll('-', '')}-AM`;
    const lock = await his.lockSlot({ slotId: session, patientId: 'P0006', tradeNo: 'F-HOLD' });
    expect(await his.lockSlot({ slotId: session, patientId: 'P0006', tradeNo: 'F-HOLD' })).toEqual(lock);
    expect(await refusedWith(his.lockSlot({ slotId: session, patientId: 'P0007', tradeNo: 'F-HOLD' }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
    const remaining = async () => (await his.querySchedule({ date: tomorrow, doctorId: 'E004' })).slots.find((s) => s.slotId === session)!.remaining;
    expect(await remaining()).toBe(24);
    now += 61_000;
    expect(await remaining()).toBe(25);
    expect(await refusedWith(his.register({ lockId: lock.lockId, patientId: 'P0006', tradeNo: 'F-HOLD', payment: card(1500) }))).toEqual({ code: 'LOCK_EXPIRED', kind: 'definite' });
    const fresh = await his.lockSlot({ slotId: session, patientId: 'P0006', tradeNo: 'F-HOLD-2' });
    expect(await refusedWith(his.register({ lockId: fresh.lockId, patientId: 'P0006', tradeNo: 'F-HOLD-2', payment: card(1000) }))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    const registration = await his.register({ lockId: fresh.lockId, patientId: 'P0006', tradeNo: 'F-HOLD-2', payment: card(1500) });
    expect(registration.appointment).toMatchObject({ state: 'booked', paid: true, seeNo: 1, slotId: session });
    expect(await his.unlockSlot({ lockId: fresh.lockId }).catch((e: unknown) => e)).toMatchObject({ code: 'NOT_ALLOWED' });
    expect(await refusedWith(his.lockSlot({ slotId: session, patientId: 'P0006', tradeNo: 'F-HOLD-3' }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
  });
});

describe('the prepaid account, when the hospital still runs one', () => {
  afterAll(cleanUp);

  it('recharges onto an R5 balance extension, opening the account on the first recharge', async () => {
    const engine = await fhirEngine();
    const his = new FhirHis({ baseUrl: engine.url, prepaid: true });
    expect(await his.accountBalance({ patientId: 'P0005' })).toEqual({ patientId: 'P0005', balanceFen: 0, rechargeOffered: true });
    expect(await his.recharge({ patientId: 'P0005', tradeNo: 'F-CZ1', payment: card(10000) })).toMatchObject({ amountFen: 10000, balanceFen: 10000 });
    expect(await his.recharge({ patientId: 'P0005', tradeNo: 'F-CZ2', payment: card(2550) })).toMatchObject({ amountFen: 2550, balanceFen: 12550 });
    expect(await refusedWith(his.refundBalance({ patientId: 'P0005', tradeNo: 'F-TF', amountFen: 10000 }))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    expect(await his.refundBalance({ patientId: 'P0005', tradeNo: 'F-TF', amountFen: 12550 })).toMatchObject({ refundFen: 12550, balanceFen: 0 });
    expect(await his.queryTrade({ tradeNo: 'F-TF' })).toMatchObject({ kind: 'refundBalance', paidFen: 0, refundFen: 12550 });
    expect(await refusedWith(his.refundBalance({ patientId: 'P0005', tradeNo: 'F-TF2', amountFen: 0 }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
  });

  it('charges the card fee of the hospital when a new patient gets a card', async () => {
    const engine = await fhirEngine();
    const his = new FhirHis({ baseUrl: engine.url, cardFeeFen: 500 });
    const request = { tradeNo: 'F-JK', name: '林一诺', sex: 'female' as const, birthDate: '2002-03-15', idNumber: '330106200203150022', phone: '13800000000', cardNo: '2000000301' };
    expect(await refusedWith(his.createPatient(request))).toEqual({ code: 'AMOUNT_MISMATCH', kind: 'definite' });
    expect(await rejection(his.createPatient({ ...request, idNumber: '330106200203150023', payment: card(500) }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'idNumber' } });
    const created = await his.createPatient({ ...request, payment: card(500) });
    expect(created).toMatchObject({ cardNo: '2000000301', feeFen: 500 });
    expect(await his.identifyPatient({ credType: 'patientCard', credNo: '2000000301' })).toMatchObject({ patientId: created.patientId, name: '林一诺' });
    expect(await his.queryTrade({ tradeNo: 'F-JK' })).toMatchObject({ kind: 'createPatient', paidFen: 500 });
  });
});

describe('every way a line to a FHIR server can end, as a HisError of the right kind', () => {
  let engine: FhirEngine;
  const servers: { close: () => unknown }[] = [];

  beforeAll(async () => {
    engine = await fhirEngine();
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  afterAll(cleanUp);

  /** A real HTTP server whose handler decides how to (not) answer. */
  async function misbehaving(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<string> {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => handler(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }) });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir/R4`;
  }

  it('server down: UNAVAILABLE, unknown', async () => {
    const his: HisPort = new FhirHis({ baseUrl: `http://127.0.0.1:${await freePort()}/fhir/R4` });
    expect(await refusedWith(his.queryTrade({ tradeNo: 'T1' }))).toEqual({ code: 'UNAVAILABLE', kind: 'unknown' });
  });

  it('a server that takes the request and hangs: TIMEOUT, unknown', async () => {
    engine.fail({ mode: 'hang' });
    expect(await refusedWith(new FhirHis({ baseUrl: engine.url, timeoutMs: 200 }).listBills({ patientId: 'P0001' }))).toEqual({ code: 'TIMEOUT', kind: 'unknown' });
  });

  it('slow, within the deadline: answers', async () => {
    engine.fail({ mode: 'slow', ms: 150 });
    expect((await new FhirHis({ baseUrl: engine.url, timeoutMs: 5_000 }).listBills({ patientId: 'P0006' })).bills.map((b) => b.billNo)).toEqual(['MZ00000601']);
  });

  it('the socket destroyed after the request: NO_ANSWER, unknown; the trade number then tells what happened', async () => {
    const his = new FhirHis({ baseUrl: engine.url });
    const pre = await his.preSettle({ patientId: 'P0002', billNos: ['MZ00000201'], tradeNo: 'F-DROP' });
    const request = { preSettleId: pre.preSettleId, tradeNo: 'F-DROP', payment: card(pre.selfFen) };
    engine.fail({ on: 'write', mode: 'drop' });
    expect(await refusedWith(his.settle(request))).toEqual({ code: 'NO_ANSWER', kind: 'unknown' });
    expect(await his.queryTrade({ tradeNo: 'F-DROP' })).toEqual({ state: 'notFound' });

    engine.fail({ on: 'write', mode: 'commitThenDrop' });
    expect(await refusedWith(his.settle(request))).toEqual({ code: 'NO_ANSWER', kind: 'unknown' });
    const status = await his.queryTrade({ tradeNo: 'F-DROP' });
    expect(status).toMatchObject({ state: 'settled', kind: 'settle', paidFen: pre.selfFen });
    expect(await his.settle(request)).toMatchObject({ hisReceiptNo: (status as { hisReceiptNo: string }).hisReceiptNo });
  });

  it('a read that loses its line is asked again once', async () => {
    engine.fail({ on: 'read', mode: 'drop' });
    expect(await new FhirHis({ baseUrl: engine.url }).accountBalance({ patientId: 'P0011' })).toMatchObject({ balanceFen: 23650 });
    engine.fail({ on: 'read', mode: 'drop' });
    engine.fail({ on: 'read', mode: 'drop' });
    expect(await refusedWith(new FhirHis({ baseUrl: engine.url }).accountBalance({ patientId: 'P0011' }))).toEqual({ code: 'NO_ANSWER', kind: 'unknown' });
  });

  it('HTTP statuses: 500 INTERNAL and 502-504 UNAVAILABLE (unknown); 400, 401, 422 and a coded refusal definite', async () => {
    const cases: [Parameters<FhirEngine['fail']>[0], string, string][] = [
      [{ mode: 'status', status: 500 }, 'INTERNAL', 'unknown'],
      [{ mode: 'down' }, 'UNAVAILABLE', 'unknown'],
      [{ mode: 'status', status: 502 }, 'UNAVAILABLE', 'unknown'],
      [{ mode: 'status', status: 504 }, 'UNAVAILABLE', 'unknown'],
      [{ mode: 'status', status: 400 }, 'INVALID_REQUEST', 'definite'],
      [{ mode: 'status', status: 401 }, 'REJECTED', 'definite'],
      [{ mode: 'status', status: 422 }, 'REJECTED', 'definite'],
      [{ mode: 'status', status: 422, code: 'BILL_NOT_PAYABLE' }, 'BILL_NOT_PAYABLE', 'definite'],
      // A 4xx cannot mean "unknown": a code that would say so is not believed.
      [{ mode: 'status', status: 422, code: 'TIMEOUT' }, 'REJECTED', 'definite'],
    ];
    const his = new FhirHis({ baseUrl: engine.url });
    for (const [fault, code, kind] of cases) {
      engine.fail(fault);
      expect(await refusedWith(his.listBills({ patientId: 'P0001' })), JSON.stringify(fault)).toEqual({ code, kind });
    }
  });

  it('answers it cannot read are INTERNAL, an answer cut off NO_ANSWER: never a refusal', async () => {
    const answers: ((res: http.ServerResponse) => void)[] = [
      (res) => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('not json'),
      (res) => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Patient"}'),
      (res) => res.writeHead(302, { location: '/elsewhere' }).end(),
      (res) => res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Task', status: 'completed', code: { coding: [{ system: 'urn:zizhu:cs:task', code: 'settle' }] } } }] })),
    ];
    for (const [n, answer] of answers.entries()) {
      const url = await misbehaving((_req, res) => answer(res));
      expect(await refusedWith(new FhirHis({ baseUrl: url }).queryTrade({ tradeNo: 'T1' })), `answer ${n}`).toEqual({ code: 'INTERNAL', kind: 'unknown' });
    }
    const cut = await misbehaving((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': '400' });
      res.write('{"resourceType":"Bundle",');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    expect(await refusedWith(new FhirHis({ baseUrl: cut }).queryTrade({ tradeNo: 'T1' }))).toEqual({ code: 'NO_ANSWER', kind: 'unknown' });
  });

  it('a transaction answered in part is INTERNAL: a server that broke its promise of all or nothing', async () => {
    // Reads go to the engine; the transaction comes back with one entry for the two it had.
    const url = await misbehaving((req, res) => {
      if (req.method !== 'GET') return res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry: [{ response: { status: '201 Created' } }] }));
      void fetch(`${engine.url}${req.url!.slice('/fhir/R4'.length)}`).then(async (r) => res.writeHead(r.status, { 'content-type': 'application/fhir+json' }).end(await r.text()));
    });
    const his = new FhirHis({ baseUrl: url });
    const pre = await new FhirHis({ baseUrl: engine.url }).preSettle({ patientId: 'P0004', billNos: ['MZ00000401'], tradeNo: 'F-PART' });
    expect(await refusedWith(his.settle({ preSettleId: pre.preSettleId, tradeNo: 'F-PART', payment: card(pre.selfFen) }))).toEqual({ code: 'INTERNAL', kind: 'unknown' });
  });
});

describe('the adapter needs no FHIR library at run time', () => {
  it('imports only types from @medplum, in every file', () => {
    const dir = path.join(repoRoot, 'central', 'his', 'fhir');
    const files = [path.join(repoRoot, 'central', 'his', 'fhir-adapter.ts'), ...fs.readdirSync(dir).map((f) => path.join(dir, f))];
    const runtime = files.flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/^import\s+(?!type\s)[^;]*?from\s+'(@medplum\/[^']+)'/gm)].map((m) => `${path.basename(f)}: ${m[1]}`));
    expect(runtime).toEqual([]);
    expect(files.length).toBeGreaterThan(10);
  });
});

describe('docs/fhir-adapter.md', () => {
  it('maps every port function and names every system, code system and extension the adapter writes', () => {
    const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'fhir-adapter.md'), 'utf8');
    for (const fn of hisFunctions) expect(doc, fn).toContain(`| \`${fn}\``);
    for (const uri of [...Object.values(defaultSystems), ...Object.values(codes), ...Object.values(extensions)]) {
      if (uri.startsWith('urn:') || uri.includes('/5.0/')) expect(doc, uri).toContain(uri);
    }
  });
});
