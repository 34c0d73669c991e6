import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirHis } from '../../../central/his/fhir-adapter.ts';
import { HttpHis } from '../../../central/his/http-adapter.ts';
import { hisErrorCodes, hisErrorKinds, hisFunctions, type HisPort, type HisSimulator } from '../../../central/his/index.ts';
import { businessDay, callPort, card, cleanUp, fhirEngine, rejection, refusedWith, sampleArgs, serveChild, simulator, tempDir } from './harness.ts';

/**
 * One suite, three HIS ports: the simulator called in this process, the HTTP adapter talking to
 * `zizhu his-sim serve` in a child process over the vendor interface, and the FHIR adapter
 * talking to a real FHIR R4 engine (Medplum's router) holding the same seeded hospital. Whatever
 * the bridge can see through one it must see through the others. `direct` reaches the same
 * hospital another way (the simulator on the same folder; a second FHIR adapter on the same
 * server): a call repeated through it must give exactly what the port gave, which proves the
 * wire loses nothing and the hospital, not the adapter, holds the state. Faults by port function
 * are set through the simulator (as `zizhu his-sim fault` does); a FHIR server knows nothing of
 * port functions, so the FHIR adapter's faults are tested in fhir-adapter.test.ts.
 */

/** The outpatient pharmacy's dispensing window a settlement is sent to. */
const pharmacyWindow = /^门诊西药房 ([1-4])号窗口 \(门诊楼1层\)$/;

interface Setup {
  port: HisPort;
  direct: HisPort;
  /** The simulator behind the port, where faults by port function can be set. */
  faults?: HisSimulator;
}

/** `guide`: the port answers a settlement's "what next" guide (the FHIR adapter has no mapping for it: docs/fhir-adapter.md). */
const targets: { name: string; faultsByFunction: boolean; guide: boolean; start: () => Promise<Setup> }[] = [
  {
    name: 'the in-process simulator',
    faultsByFunction: true,
    guide: true,
    start: async () => {
      const direct = simulator(tempDir());
      return { port: direct, direct, faults: direct };
    },
  },
  {
    name: 'the HTTP adapter to `zizhu his-sim serve` (child process)',
    faultsByFunction: true,
    guide: true,
    start: async () => {
      const dir = tempDir();
      const { url } = await serveChild(dir);
      const direct = simulator(dir);
      return { port: new HttpHis({ baseUrl: url }), direct, faults: direct };
    },
  },
  {
    name: 'the FHIR adapter to a FHIR R4 engine (Medplum FhirRouter over node:http)',
    faultsByFunction: false,
    guide: false,
    start: async () => {
      const { url } = await fhirEngine();
      return { port: new FhirHis({ baseUrl: url }), direct: new FhirHis({ baseUrl: url }) };
    },
  },
];

describe.each(targets)('HIS port contract through $name', ({ start, faultsByFunction, guide }) => {
  let port: HisPort;
  let direct: HisPort;
  let faults: HisSimulator;
  const tomorrow = businessDay(1);
  const tomorrowCompact = tomorrow.replaceAll('-', '');

  beforeAll(async () => {
    const setup = await start();
    ({ port, direct } = setup);
    if (setup.faults) faults = setup.faults;
  });
  afterAll(cleanUp);

  it('identifies a patient and settles bills once per trade number', async () => {
    const patient = await port.identifyPatient({ credType: 'patientCard', credNo: '2000000101' });
    expect(patient).toEqual(await direct.identifyPatient({ credType: 'idCard', credNo: patient.idNumber }));
    const { bills } = await port.listBills({ patientId: 'P0001' });
    expect(bills).toEqual((await direct.listBills({ patientId: 'P0001' })).bills);
    expect(bills.map((b) => b.amountFen)).toEqual([6500, 2560]);
    // Each item with its national insurance catalogue code (医保对照): three services, one drug.
    expect(bills.flatMap((b) => b.items.map((i) => [i.name, i.insuranceCode]))).toEqual([
      ['普通门诊诊查费', '001102000010000'], ['血常规（五分类）', '002501010150000'], ['C反应蛋白测定', '002504030790000'],
      ['阿莫西林胶囊 0.25g×24粒', 'XJ01CAA040E001010100350'],
    ]);
    // An item the hospital maps to none (dental cleaning, self-paid) carries no code at all, not an empty one.
    const dental = (await port.listBills({ patientId: 'P0007' })).bills.flatMap((b) => b.items);
    expect(dental.map((i) => i.name)).toEqual(['牙周洁治', '根管治疗（单根）', '口腔全景X线片']);
    expect(dental[0]).not.toHaveProperty('insuranceCode');
    expect(dental.slice(1).map((i) => i.insuranceCode)).toEqual(['003105160010000', '002101030020000']);

    const tradeNo = 'C-SETTLE';
    const pre = await port.preSettle({ patientId: 'P0001', billNos: bills.map((b) => b.billNo), tradeNo });
    expect(pre).toMatchObject({ totalFen: 9060, fundFen: 0, acctFen: 0, selfFen: 9060 });
    const request = { preSettleId: pre.preSettleId, tradeNo, payment: card(9060) };
    const settled = await port.settle(request);
    expect(await port.settle(request)).toEqual(settled);
    expect(await direct.settle(request)).toEqual(settled);
    // What next: blood drawn where the seeded 检验科 is, then the drugs at the window this settlement was given.
    if (guide) {
      expect(settled.guide).toEqual([{ what: '抽血化验', where: '检验科 采血处 (医技楼1层)' }, { what: '取药', where: expect.stringMatching(pharmacyWindow) }]);
    } else {
      expect(settled).not.toHaveProperty('guide');
    }
    expect(await refusedWith(port.settle({ ...request, payment: card(9060, '599999999999') }))).toEqual({ code: 'TRADE_CONFLICT', kind: 'definite' });
    expect(await port.queryTrade({ tradeNo })).toEqual({ state: 'settled', kind: 'settle', hisReceiptNo: settled.hisReceiptNo, paidFen: 9060, refundFen: 0, settledAt: settled.settledAt });
    expect(await port.queryTrade({ tradeNo: 'C-NEVER' })).toEqual({ state: 'notFound' });
    const receipt = await port.receiptData({ tradeNo, patientId: 'P0001' });
    expect(receipt).toEqual(await direct.receiptData({ tradeNo, patientId: 'P0001' }));
    expect(receipt.payment).toEqual(card(9060));
    expect((await port.listBills({ patientId: 'P0001' })).bills).toEqual([]);
  });

  it.skipIf(!guide)('tells where to go next: each settlement its own pharmacy window, exams by kind, nothing for a clinic-only bill', async () => {
    const pay = async (patientId: string, billNos: string[], tradeNo: string) => {
      const pre = await port.preSettle({ patientId, billNos, tradeNo });
      const request = { preSettleId: pre.preSettleId, tradeNo, payment: card(pre.selfFen) };
      const settled = await port.settle(request);
      // Kept with the settlement: the same trade answered again names the same window.
      expect(await direct.settle(request)).toEqual(settled);
      return settled.guide;
    };
    const windowOf = (g: { where: string }[] | undefined) => Number(pharmacyWindow.exec(g?.at(-1)?.where ?? '')?.[1]);
    const drugs = await pay('P0003', ['MZ00000303'], 'C-GUIDE-1');
    expect(drugs).toEqual([{ what: '取药', where: expect.stringMatching(pharmacyWindow) }]);
    const labAndDrugs = await pay('P0005', ['MZ00000501'], 'C-GUIDE-2');
    expect(labAndDrugs?.map((g) => g.what)).toEqual(['抽血化验', '取药']);
    // The windows go round the counter: the next settlement takes the next window.
    expect(windowOf(labAndDrugs)).toBe((windowOf(drugs) % 4) + 1);
    // X-ray and a dental treatment: the radiology room; the uncoded cleaning sends nobody anywhere.
    expect(await pay('P0007', ['MZ00000702'], 'C-GUIDE-3')).toEqual([{ what: '放射检查', where: '放射科 (医技楼1层)' }]);
    expect(await pay('P0007', ['MZ00000701'], 'C-GUIDE-4')).toBeUndefined();
  });

  it('creates a patient and card once per trade number', async () => {
    const request = { tradeNo: 'C-NEW', name: '林一诺', sex: 'female' as const, birthDate: '2002-03-15', idNumber: '330106200203150022', phone: '13800000000', cardNo: '2000000301', address: '浙江省示例市' };
    const created = await port.createPatient(request);
    expect(await direct.createPatient(request)).toEqual(created);
    expect((await port.identifyPatient({ credType: 'idCard', credNo: request.idNumber })).patientId).toBe(created.patientId);
    expect(await refusedWith(port.createPatient({ ...request, tradeNo: 'C-NEW-2', cardNo: '2000000302' }))).toEqual({ code: 'ALREADY_EXISTS', kind: 'definite' });
  });

  it('shows the schedule, locks and registers a slot, and cancels it with the fee going back', async () => {
    const schedule = await port.querySchedule({ date: tomorrow, doctorId: 'E002' });
    expect(schedule).toEqual(await direct.querySchedule({ date: tomorrow, doctorId: 'E002' }));
    expect(schedule.doctors).toEqual([{ doctorId: 'E002', deptId: 'D01', name: '吴晓梅', title: '主治医师', feeFen: 2500 }]);
    const slot = schedule.slots.find((s) => s.slotId === `E002-${tomorrowCompact}-AM`)!;
    expect(slot).toMatchObject({ period: 'morning', startTime: '08:00', endTime: '12:00', capacity: 20, remaining: 20 });

    const lock = await port.lockSlot({ slotId: slot.slotId, patientId: 'P0003', tradeNo: 'C-REG' });
    expect(lock.feeFen).toBe(2500);
    const held = await port.querySchedule({ date: tomorrow, doctorId: 'E002' });
    expect(held).toEqual(await direct.querySchedule({ date: tomorrow, doctorId: 'E002' }));
    expect(held.slots.find((s) => s.slotId === slot.slotId)).toMatchObject({ capacity: 20, remaining: 19 });
    const request = { lockId: lock.lockId, patientId: 'P0003', tradeNo: 'C-REG', payment: card(2500) };
    const registration = await port.register(request);
    expect(await direct.register(request)).toEqual(registration);
    expect(registration.appointment).toMatchObject({ state: 'booked', paid: true, seeNo: 1, date: tomorrow, period: 'morning' });
    expect((await port.listAppointments({ patientId: 'P0003' })).appointments).toEqual((await direct.listAppointments({ patientId: 'P0003' })).appointments);

    const cancel = { appointmentNo: registration.appointment.appointmentNo, patientId: 'P0003', tradeNo: 'C-UNREG', reason: '改期' };
    const cancelled = await port.cancelAppointment(cancel);
    expect(cancelled).toMatchObject({ refundFen: 2500, refundOf: 'C-REG', appointment: { state: 'cancelled' } });
    expect(await direct.cancelAppointment(cancel)).toEqual(cancelled);

    const spare = await port.lockSlot({ slotId: slot.slotId, patientId: 'P0004', tradeNo: 'C-SPARE' });
    expect(await port.unlockSlot({ lockId: spare.lockId })).toEqual({ lockId: spare.lockId, released: true });
    expect((await port.querySchedule({ date: tomorrow, doctorId: 'E002' })).slots.find((s) => s.slotId === slot.slotId)!.remaining).toBe(20);
  });

  it('books without paying and checks in today with the fee', async () => {
    const booked = await port.bookAppointment({ slotId: `E004-${tomorrowCompact}-AM`, patientId: 'P0008', tradeNo: 'C-BOOK' });
    expect(booked).toEqual((await direct.listAppointments({ patientId: 'P0008' })).appointments[0]);
    const today = (await port.listAppointments({ patientId: 'P0010' })).appointments.find((a) => a.date === businessDay(0))!;
    expect(today).toMatchObject({ paid: false, state: 'booked', doctorName: '吴晓梅' });
    const request = { appointmentNo: today.appointmentNo, patientId: 'P0010', tradeNo: 'C-TAKE', payment: card(2500) };
    const taken = await port.checkIn(request);
    expect(taken).toMatchObject({ paidFen: 2500, appointment: { state: 'checkedIn', paid: true } });
    expect(await direct.checkIn(request)).toEqual(taken);
  });

  it('shows and refunds a legacy prepaid balance, and does not offer recharge', async () => {
    expect(await port.accountBalance({ patientId: 'P0011' })).toEqual({ patientId: 'P0011', balanceFen: 23650, rechargeOffered: false });
    expect(await refusedWith(port.recharge({ patientId: 'P0011', tradeNo: 'C-CZ', payment: card(100) }))).toEqual({ code: 'NOT_OFFERED', kind: 'definite' });
    const request = { patientId: 'P0011', tradeNo: 'C-TF', amountFen: 23650 };
    const refund = await port.refundBalance(request);
    expect(refund).toMatchObject({ refundFen: 23650, balanceFen: 0 });
    expect(await direct.refundBalance(request)).toEqual(refund);
  });

  it('takes an inpatient deposit and settles discharges, refunding the surplus to the fen', async () => {
    const info = await port.inpatientInfo({ patientId: 'P0009' });
    expect(info).toEqual(await direct.inpatientInfo({ admissionNo: 'ZY2025000101' }));
    expect(info).toMatchObject({ depositFen: 500000, costFen: 350163, balanceFen: 149837 });
    expect((await port.inpatientInfo({ patientId: 'P0013' })).balanceFen).toBe(-34567);

    const deposit = { admissionNo: 'ZY2025000103', tradeNo: 'C-DEP', payment: card(120000) };
    const paid = await port.payDeposit(deposit);
    expect(await direct.payDeposit(deposit)).toEqual(paid);
    expect(paid).toMatchObject({ amountFen: 120000, depositFen: 320000 });
    expect(await port.dischargeCheck({ admissionNo: 'ZY2025000103' })).toEqual(await direct.dischargeCheck({ admissionNo: 'ZY2025000103' }));

    const pre = await port.dischargePreSettle({ admissionNo: 'ZY2025000101', tradeNo: 'C-OUT' });
    expect(pre).toMatchObject({ totalFen: 350163, fundFen: 204101, selfFen: 146062, depositFen: 500000, dueFen: 0, refundFen: 353938 });
    const settled = await port.dischargeSettle({ preSettleId: pre.preSettleId, tradeNo: 'C-OUT' });
    expect(await direct.dischargeSettle({ preSettleId: pre.preSettleId, tradeNo: 'C-OUT' })).toEqual(settled);
    expect(settled.refunds).toEqual([{ depositNo: 'YJ0000000002', method: 'cash', amountFen: 200000 }, { depositNo: 'YJ0000000001', method: 'card', amountFen: 153938 }]);

    const due = await port.dischargePreSettle({ admissionNo: 'ZY2025000102', tradeNo: 'C-DUE' });
    const dueRequest = { preSettleId: due.preSettleId, tradeNo: 'C-DUE', payment: card(34567) };
    expect(await port.dischargeSettle(dueRequest)).toMatchObject({ paidFen: 34567, refundFen: 0, refunds: [] });
    expect(await port.queryTrade({ tradeNo: 'C-DUE' })).toMatchObject({ state: 'settled', kind: 'dischargeSettle', paidFen: 34567 });
  });

  it('lists, fetches and marks lab reports printed', async () => {
    const { reports } = await port.listReports({ patientId: 'P0012' });
    expect(reports).toEqual((await direct.listReports({ patientId: 'P0012' })).reports);
    const doc = await port.fetchReport({ reportId: 'R000000002', patientId: 'P0012' });
    const same = await direct.fetchReport({ reportId: 'R000000002', patientId: 'P0012' });
    expect(doc.pdf.equals(same.pdf)).toBe(true);
    expect(doc).toEqual(same);
    expect(doc.pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const printed = await port.markReportPrinted({ reportId: 'R000000002', patientId: 'P0012', tradeNo: 'C-PRINT' });
    expect(printed.printCount).toBe(1);
    expect(await port.fetchReport({ reportId: 'R000000002', patientId: 'P0012' })).toMatchObject({ printed: true, printCount: 1, printedAt: printed.printedAt });
    expect(await refusedWith(port.fetchReport({ reportId: 'R000000003', patientId: 'P0012' }))).toEqual({ code: 'NOT_ALLOWED', kind: 'definite' });
  });

  it('lists the paid bills of a range, newest first: those paid here once paid, and those paid at a counter before', async () => {
    const today = businessDay(0);
    const history = await port.billHistory({ patientId: 'P0001', from: businessDay(-89), to: today });
    expect(history).toEqual(await direct.billHistory({ patientId: 'P0001', from: businessDay(-89), to: today }));
    // The first test paid MZ00000101 and MZ00000102 under C-SETTLE, by card; MZ00009004 was paid 120 days ago.
    expect(history.bills.map((b) => [b.billNo, b.method, b.paidAt.slice(0, 10)])).toEqual([
      ['MZ00000101', 'card', today], ['MZ00000102', 'card', today],
      ['MZ00009001', 'card', businessDay(-3)], ['MZ00009002', 'qr', businessDay(-20)], ['MZ00009003', 'cash', businessDay(-60)],
    ]);
    const settled = await port.queryTrade({ tradeNo: 'C-SETTLE' });
    expect(history.bills[0]).toMatchObject({ amountFen: 6500, department: '内科', doctor: '周建国', hisReceiptNo: settled.state === 'settled' ? settled.hisReceiptNo : '', paidAt: settled.state === 'settled' ? settled.settledAt : '' });
    expect(history.bills[3]).toMatchObject({ amountFen: 15460, doctor: '周建国', hisReceiptNo: `SF${businessDay(-20).replaceAll('-', '')}900002` });
    expect(history.bills[3]!.items).toEqual([
      { name: '主任医师诊查费', qty: 1, unit: '次', priceFen: 5000, amountFen: 5000, insuranceCode: '001102000030000' },
      { name: '心电图检查', qty: 1, unit: '次', priceFen: 2500, amountFen: 2500, insuranceCode: '003107010010000' },
      { name: '阿托伐他汀钙片 20mg×7片', qty: 2, unit: '盒', priceFen: 3980, amountFen: 7960, insuranceCode: 'XC10AAA245A001010101785' },
    ]);
    // Paid here, the bill keeps its items' codes in the history too.
    expect(history.bills[0]!.items.map((i) => i.insuranceCode)).toEqual(['001102000010000', '002501010150000', '002504030790000']);
    expect((await port.billHistory({ patientId: 'P0001', from: businessDay(-7), to: businessDay(-1) })).bills.map((b) => b.billNo)).toEqual(['MZ00009001']);
    expect(await refusedWith(port.billHistory({ patientId: 'P9999', from: today, to: today }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });

  it('lists the costs of a stay day by day, adding up to what the stay has cost', async () => {
    const costs = await port.inpatientCosts({ admissionNo: 'ZY2025000102' });
    expect(costs).toEqual(await direct.inpatientCosts({ admissionNo: 'ZY2025000102' }));
    expect(costs).toMatchObject({ admissionNo: 'ZY2025000102', patientId: 'P0013', deptName: '外科', ward: '外科二病区', bed: '03' });
    expect(costs.items.reduce((sum, i) => sum + i.amountFen, 0)).toBe(134567);
    expect(costs.items[0]).toEqual({ date: businessDay(-4), category: '床位费', name: '床位费（普通病房）', qty: 1, unit: '日', priceFen: 6000, amountFen: 6000 });
    expect(costs.items.map((i) => i.date)).toEqual([...costs.items.map((i) => i.date)].sort());
    for (const i of costs.items) expect(i.amountFen).toBe(i.qty * i.priceFen);
    expect(new Set(costs.items.map((i) => i.category))).toEqual(new Set(['床位费', '手术费', '麻醉费', '西药费', '材料费']));
    expect(await refusedWith(port.inpatientCosts({ admissionNo: 'ZY0000000000' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });

  it('searches the price catalogue by pinyin initials and category, a page at a time', async () => {
    const amxl = await port.searchPrices({ initials: 'AMXL', page: 1, pageSize: 20 });
    expect(amxl).toEqual(await direct.searchPrices({ initials: 'AMXL', page: 1, pageSize: 20 }));
    expect(amxl.total).toBe(2);
    expect(amxl.items[0]).toEqual({ itemCode: 'YP00001', name: '阿莫西林胶囊', spec: '0.25g×24粒', unit: '盒', priceFen: 1280, category: 'drug', insuranceClass: '甲', initials: 'AMXLJN' });
    expect(amxl.items[1]).toMatchObject({ name: '阿莫西林克拉维酸钾片', insuranceClass: '乙' });
    const services = await port.searchPrices({ initials: 'X', category: 'service', page: 1, pageSize: 20 });
    expect(services.items.map((i) => i.name)).toEqual(['胸部CT平扫', '胸部正位DR', '血常规（五分类）', '心电图检查', '吸氧']);
    const drugs = await port.searchPrices({ category: 'drug', page: 1, pageSize: 20 });
    const last = await port.searchPrices({ category: 'drug', page: Math.ceil(drugs.total / 20), pageSize: 20 });
    expect(drugs.total).toBeGreaterThanOrEqual(50);
    expect(last.items).toHaveLength(drugs.total - 20 * (Math.ceil(drugs.total / 20) - 1));
    expect(last.items.every((i) => i.category === 'drug' && i.initials >= drugs.items.at(-1)!.initials)).toBe(true);
    expect(await port.searchPrices({ initials: 'QQQ', page: 1, pageSize: 20 })).toEqual({ items: [], total: 0 });
  });

  it('introduces a doctor', async () => {
    const doctor = await port.doctorInfo({ doctorId: 'E001' });
    expect(doctor).toEqual(await direct.doctorInfo({ doctorId: 'E001' }));
    expect(doctor).toMatchObject({ doctorId: 'E001', name: '周建国', title: '主任医师', deptId: 'D01', deptName: '内科', specialty: '高血压、冠心病、心力衰竭' });
    expect(doctor.profile).toContain('三十年');
    expect(await refusedWith(port.doctorInfo({ doctorId: 'E999' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });

  it('refuses a lookup with bad arguments, naming the field', async () => {
    const today = businessDay(0);
    expect(await rejection(port.billHistory({ patientId: 'P0001', from: businessDay(-100), to: today }))).toMatchObject({ code: 'INVALID_REQUEST', kind: 'definite', detail: { field: 'to' } });
    expect(await rejection(port.billHistory({ patientId: 'P0001', from: today, to: businessDay(-1) }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'to' } });
    expect(await rejection(port.searchPrices({ initials: '', page: 1, pageSize: 20 }))).toMatchObject({ code: 'INVALID_REQUEST', kind: 'definite', detail: { field: 'initials' } });
    expect(await rejection(port.searchPrices({ page: 1, pageSize: 20 }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'initials' } });
    expect(await rejection(port.searchPrices({ initials: 'A', category: 'food' as 'drug', page: 1, pageSize: 20 }))).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'category' } });
  });

  it('refuses bad arguments naming the field in port terms', async () => {
    expect(await rejection(port.preSettle({ patientId: 'P0002', billNos: [], tradeNo: 'C-BAD' }))).toMatchObject({ code: 'INVALID_REQUEST', kind: 'definite', detail: { field: 'billNos' } });
    const half = port.settle({ preSettleId: 'PS00000001', tradeNo: 'C-BAD', payment: card(0.5) });
    expect(await rejection(half)).toMatchObject({ code: 'INVALID_REQUEST', kind: 'definite', detail: { field: 'payment.amountFen' } });
    expect(await refusedWith(port.identifyPatient({ credType: 'patientCard', credNo: '9999999999' }))).toEqual({ code: 'NOT_FOUND', kind: 'definite' });
  });

  it.skipIf(!faultsByFunction)('plays down and a definite error on every function, with the kind the port promises', async () => {
    for (const fn of hisFunctions) {
      faults.setFault(fn, { mode: 'down', once: true });
      expect(await refusedWith(callPort(port, fn, sampleArgs[fn])), `${fn} down`).toEqual({ code: 'UNAVAILABLE', kind: 'unknown' });
      faults.setFault(fn, { mode: 'error', code: 'REJECTED', once: true });
      expect(await refusedWith(callPort(port, fn, sampleArgs[fn])), `${fn} error`).toEqual({ code: 'REJECTED', kind: 'definite' });
    }
  });

  it.skipIf(!faultsByFunction)('carries every HIS error code across, with its kind', async () => {
    for (const code of hisErrorCodes) {
      faults.setFault('accountBalance', { mode: 'error', code, once: true });
      expect(await refusedWith(port.accountBalance({ patientId: 'P0001' })), code).toEqual({ code, kind: hisErrorKinds[code] });
    }
  });

  it.skipIf(!faultsByFunction)('commitThenSilent: the trade commits, the answer is lost, and the trade number tells the truth', async () => {
    const pre = await port.preSettle({ patientId: 'P0002', billNos: ['MZ00000201'], tradeNo: 'C-SILENT' });
    faults.setFault('settle', { mode: 'commitThenSilent', once: true });
    const request = { preSettleId: pre.preSettleId, tradeNo: 'C-SILENT', payment: card(pre.selfFen) };
    expect(await refusedWith(port.settle(request))).toEqual({ code: 'NO_ANSWER', kind: 'unknown' });
    const status = await port.queryTrade({ tradeNo: 'C-SILENT' });
    expect(status).toMatchObject({ state: 'settled', kind: 'settle', paidFen: pre.selfFen });
    const retry = await port.settle(request);
    expect(status).toMatchObject({ hisReceiptNo: retry.hisReceiptNo });
    // The lost answer's guide comes back whole: lab, ECG and ultrasound, no drugs on this bill.
    expect(retry.guide).toEqual([
      { what: '抽血化验', where: '检验科 采血处 (医技楼1层)' }, { what: '心电图检查', where: '心电图室 (医技楼2层)' }, { what: '超声检查', where: '超声科 (医技楼2层)' },
    ]);

    faults.setFault('payDeposit', { mode: 'commitThenSilent', once: true });
    const deposit = { admissionNo: 'ZY2025000103', tradeNo: 'C-SILENT-DEP', payment: card(1000) };
    expect(await refusedWith(port.payDeposit(deposit))).toEqual({ code: 'NO_ANSWER', kind: 'unknown' });
    expect(await port.queryTrade({ tradeNo: 'C-SILENT-DEP' })).toMatchObject({ state: 'settled', kind: 'payDeposit', paidFen: 1000 });
  });

  it.skipIf(!faultsByFunction)('slow: answers, late', async () => {
    faults.setFault('listBills', { mode: 'slow', ms: 150, once: true });
    expect((await port.listBills({ patientId: 'P0006' })).bills.map((b) => b.billNo)).toEqual(['MZ00000601']);
  });
});
