import type { Money, Resource } from '@medplum/fhirtypes';
import { chargeItemCode, paidWith } from '../../../central/his/fhir/bills.ts';
import { codes, defaultSystems, extensions } from '../../../central/his/fhir/systems.ts';
import type { Period } from '../../../central/his/port.ts';
import { priceCatalogue } from '../../../central/his/seed-prices.ts';
import {
  accounts, admissions, appointments, doctorProfiles, feeByTitle, fundShare, hospital, otherPatients, paidBills, patients, periods, reports, type SeedBill, type SeedDoctor,
} from '../../../central/his/seed.ts';
import { renderLabReport } from '../../../central/his/sim/report-pdf.ts';
import { firstSession, worksOn } from '../../../central/his/sim/rota.ts';
import { addDays, compactDate, minutesBetween, shanghaiDate, shanghaiIso, shanghaiMs } from '../../../central/his/sim/time.ts';

/**
 * The simulator's seeded hospital (central/his/seed.ts) written as FHIR R4 resources, the way
 * docs/fhir-adapter.md maps it, with the same ids, numbers, amounts, dates and report PDFs, so
 * the FHIR adapter and the simulator can be compared answer for answer. Dated records are
 * relative to `now`, as the simulator's are to the day it is seeded.
 */

const s = defaultSystems;
const money = (fen: number): Money => ({ value: fen / 100, currency: 'CNY' });
const patientRef = (patientId: string) => ({ reference: `Patient/${patientId}`, identifier: { system: s.patientId, value: patientId } });
const allPatients = [...patients, ...otherPatients.map((p) => ({ ...p, bills: [] }))];
const birthDate = (idNumber: string) => `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`;
const deptName = (deptId: string) => hospital.departments.find((d) => d.deptId === deptId)!.name;

/** Number `n` of a session starts where the simulator puts its visit time: the numbers spread evenly. */
function numberStart(date: string, period: Period, capacity: number, n: number): number {
  const { start, end } = periods[period];
  return shanghaiMs(date, start) + Math.floor(((n - 1) * minutesBetween(start, end)) / capacity) * 60_000;
}

function slotId(doctorId: string, date: string, period: Period, n: number): string {
  return `${doctorId}-${date.replaceAll('-', '')}-${period === 'morning' ? 'AM' : 'PM'}-${n}`;
}

function sessionSlots(d: SeedDoctor, date: string, period: Period): Resource[] {
  const end = shanghaiMs(date, periods[period].end);
  return Array.from({ length: d.capacity }, (_, i) => ({
    resourceType: 'Slot', id: slotId(d.doctorId, date, period, i + 1), schedule: { reference: `Schedule/${d.doctorId}` }, status: 'free',
    start: shanghaiIso(numberStart(date, period, d.capacity, i + 1)), end: shanghaiIso(i + 1 < d.capacity ? numberStart(date, period, d.capacity, i + 2) : end),
  }));
}

function directory(today: string): Resource[] {
  const out: Resource[] = [{ resourceType: 'Organization', id: hospital.hospitalId, name: hospital.name, type: [{ coding: [{ system: codes.organizationType, code: 'prov' }] }] }];
  for (const d of hospital.departments) {
    out.push({ resourceType: 'Organization', id: d.deptId, name: d.name, type: [{ coding: [{ system: codes.organizationType, code: 'dept' }] }], partOf: { reference: `Organization/${hospital.hospitalId}` } });
    out.push({ resourceType: 'Location', id: `L${d.deptId}`, name: d.location, managingOrganization: { reference: `Organization/${d.deptId}` } });
  }
  for (const d of hospital.doctors) {
    const intro = doctorProfiles.find((p) => p.doctorId === d.doctorId)!;
    out.push({ resourceType: 'Practitioner', id: d.doctorId, name: [{ text: d.name }], extension: [{ url: extensions.doctorProfile, valueMarkdown: intro.profile }] });
    out.push({
      resourceType: 'PractitionerRole', id: d.doctorId, practitioner: { reference: `Practitioner/${d.doctorId}` }, organization: { reference: `Organization/${d.deptId}` },
      code: [{ coding: [{ system: codes.doctorTitle, code: d.title }] }], location: [{ reference: `Location/L${d.deptId}` }],
      specialty: [{ text: intro.specialty }],
    });
    out.push({
      resourceType: 'Schedule', id: d.doctorId, active: true, actor: [{ reference: `PractitionerRole/${d.doctorId}` }, { reference: `Location/L${d.deptId}` }],
      planningHorizon: { start: `${today}T00:00:00+08:00`, end: `${addDays(today, 15)}T00:00:00+08:00` },
      extension: [{ url: extensions.registrationFee, valueMoney: money(feeByTitle[d.title]) }],
    });
    for (let day = 0; day <= 14; day += 1) {
      const date = addDays(today, day);
      for (const period of ['morning', 'afternoon'] as const) if (worksOn(d, date, period)) out.push(...sessionSlots(d, date, period));
    }
  }
  return out;
}

/** A bill's ChargeItems and Invoice: `issued` while unpaid, `balanced` with how it was paid once paid. */
function billResources(patientId: string, b: SeedBill, paid?: { receiptNo: string; paidAt: string; method: (typeof paidBills)[number]['method'] }): Resource[] {
  const doctor = hospital.doctors.find((d) => d.doctorId === b.doctorId)!;
  const total = b.items.reduce((sum, i) => sum + i.priceFen * i.qty, 0);
  return [
    ...b.items.map((item, n): Resource => ({
      resourceType: 'ChargeItem', id: `${b.billNo}-${n + 1}`, status: 'billed', subject: patientRef(patientId), code: chargeItemCode(s, item),
      quantity: { value: item.qty, unit: item.unit }, priceOverride: money(item.priceFen), enteredDate: b.createdAt,
      requestingOrganization: { reference: `Organization/${doctor.deptId}` },
    })),
    {
      resourceType: 'Invoice', id: b.billNo, identifier: [{ system: s.billNo, value: b.billNo }], status: paid ? 'balanced' : 'issued', subject: patientRef(patientId), date: b.createdAt,
      issuer: { reference: `Organization/${doctor.deptId}`, display: deptName(doctor.deptId) },
      participant: [{ actor: { reference: `PractitionerRole/${doctor.doctorId}`, display: doctor.name } }],
      lineItem: b.items.map((item, n) => ({ sequence: n + 1, chargeItemReference: { reference: `ChargeItem/${b.billNo}-${n + 1}` }, priceComponent: [{ type: 'base', amount: money(item.priceFen * item.qty) }] })),
      totalGross: money(total),
      totalNet: money(total),
      ...(paid ? { extension: [{ url: extensions.invoicePayment, ...paidWith(paid.receiptNo, paid.paidAt, paid.method) }] } : {}),
    },
  ];
}

/** Bills paid at a counter before the seed day, with the simulator's receipt numbers and times. */
function paidHistory(today: string): Resource[] {
  return paidBills.flatMap((b, n) => {
    const day = addDays(today, -b.daysAgo);
    const bill: SeedBill = { billNo: b.billNo, doctorId: b.doctorId, createdAt: shanghaiIso(shanghaiMs(day, b.openedAt)), items: b.items };
    return billResources(b.patientId, bill, { receiptNo: `SF${compactDate(shanghaiMs(day))}${900001 + n}`, paidAt: shanghaiIso(shanghaiMs(day, b.paidAt)), method: b.method });
  });
}

/** The price catalogue as ChargeItemDefinitions (docs/fhir-adapter.md). */
function catalogue(): Resource[] {
  return priceCatalogue.map((p): Resource => ({
    resourceType: 'ChargeItemDefinition', id: p.itemCode, url: `${s.priceItem}:${p.itemCode}`, status: 'active', title: p.name,
    identifier: [{ system: s.priceItem, value: p.itemCode }, { system: s.pinyinInitials, value: p.initials }],
    code: { coding: [{ system: s.priceItem, code: p.itemCode, display: p.name }], text: p.name },
    propertyGroup: [{ priceComponent: [{ type: 'base', amount: money(p.priceFen) }] }],
    extension: [{
      url: extensions.priceItem,
      extension: [
        ...(p.spec ? [{ url: 'spec', valueString: p.spec }] : []), { url: 'unit', valueString: p.unit },
        { url: 'category', valueCode: p.category }, { url: 'insuranceClass', valueCode: p.insuranceClass },
      ],
    }],
  }));
}

function outpatients(): Resource[] {
  const out: Resource[] = [];
  for (const p of allPatients) {
    out.push({
      resourceType: 'Patient', id: p.patientId, active: true, name: [{ text: p.name }], gender: p.sex, birthDate: birthDate(p.idNumber),
      identifier: [
        { system: s.patientId, value: p.patientId }, { system: s.idNumber, value: p.idNumber },
        { system: s.patientCard, value: p.cardNo }, { system: s.insuranceCode, value: p.insuranceCode },
      ],
    });
    for (const b of p.bills) out.push(...billResources(p.patientId, b));
  }
  for (const a of accounts) {
    out.push({
      resourceType: 'Account', id: `PRE-${a.patientId}`, status: 'active', name: '门诊预交金', subject: [patientRef(a.patientId)],
      type: { coding: [{ system: codes.accountType, code: 'outpatient-prepaid' }] },
      extension: [{ url: extensions.accountBalance, extension: [{ url: 'aggregate', valueCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/account-aggregate', code: 'patient' }] } }, { url: 'estimate', valueBoolean: false }, { url: 'amount', valueMoney: money(a.balanceFen) }] }],
    });
  }
  return out;
}

/** The simulator's seeded appointments: the same numbers taken, paid in the hospital's app where paid. */
function booked(today: string): { slots: string[]; resources: Resource[] } {
  const doctors = new Map(hospital.doctors.map((d) => [d.doctorId, d]));
  const slots: string[] = [];
  const resources = appointments.map((a, n) => {
    const d = doctors.get(a.doctorId)!;
    const session = firstSession(d, addDays(today, a.fromDay));
    const seeNo = appointments.slice(0, n).filter((b) => b.doctorId === a.doctorId && firstSession(d, addDays(today, b.fromDay)).date === session.date).length + 1;
    const slot = slotId(d.doctorId, session.date, session.period, seeNo);
    slots.push(slot);
    const appointmentNo = `YY${String(n + 1).padStart(10, '0')}`;
    const end = seeNo < d.capacity ? numberStart(session.date, session.period, d.capacity, seeNo + 1) : shanghaiMs(session.date, periods[session.period].end);
    return {
      resourceType: 'Appointment', id: appointmentNo, status: 'booked', identifier: [{ system: s.appointmentNo, value: appointmentNo }],
      slot: [{ reference: `Slot/${slot}` }], start: shanghaiIso(numberStart(session.date, session.period, d.capacity, seeNo)), end: shanghaiIso(end),
      participant: [{ actor: patientRef(a.patientId), status: 'accepted' }, { actor: { reference: `PractitionerRole/${d.doctorId}`, display: d.name }, status: 'accepted' }],
      extension: [
        { url: extensions.seeNo, valuePositiveInt: seeNo }, { url: extensions.registrationFee, valueMoney: money(feeByTitle[d.title]) },
        ...(a.paid ? [{ url: extensions.paidBy, valueIdentifier: { system: s.tradeNo, value: `APP${String(n + 1).padStart(10, '0')}` } }] : []),
      ],
    } as Resource;
  });
  return { slots, resources };
}

function stays(today: string): Resource[] {
  const out: Resource[] = [];
  for (const a of admissions) {
    const account = `ACC-${a.admissionNo}`;
    const dept = hospital.departments.find((d) => d.deptId === a.deptId)!;
    out.push({
      resourceType: 'Encounter', id: a.admissionNo, identifier: [{ system: s.admissionNo, value: a.admissionNo }], status: 'in-progress',
      class: { system: codes.actCode, code: 'IMP' }, subject: patientRef(a.patientId), account: [{ reference: `Account/${account}` }],
      serviceProvider: { reference: `Organization/${a.deptId}`, display: dept.name },
      period: { start: shanghaiIso(shanghaiMs(addDays(today, -a.daysIn), '10:20')) },
      location: [
        { location: { display: a.ward }, physicalType: { coding: [{ system: codes.locationPhysicalType, code: 'wa' }] } },
        { location: { display: a.bed }, physicalType: { coding: [{ system: codes.locationPhysicalType, code: 'bd' }] } },
      ],
      ...(a.dischargeOrdered ? { hospitalization: { dischargeDisposition: { coding: [{ system: codes.dischargeDisposition, code: 'home' }] } } } : {}),
    });
    out.push({
      resourceType: 'Account', id: account, status: 'active', name: `住院预交金 ${a.admissionNo}`, subject: [patientRef(a.patientId)],
      type: { coding: [{ system: codes.accountType, code: 'inpatient-deposit' }] }, owner: { reference: `Organization/${hospital.hospitalId}` },
      ...(a.insured ? { coverage: [{ coverage: { reference: `Coverage/COV-${a.admissionNo}` }, priority: 1 }] } : {}),
    });
    // Entered day by day, a minute apart, as the simulator books them.
    [...a.costs].sort((x, y) => x.day - y.day).forEach((c, n) => {
      const date = addDays(today, c.day - a.daysIn);
      out.push({
        resourceType: 'ChargeItem', id: `${a.admissionNo}-C${String(n + 1).padStart(3, '0')}`, status: 'billable', subject: patientRef(a.patientId),
        context: { reference: `Encounter/${a.admissionNo}` }, account: [{ reference: `Account/${account}` }], code: { text: c.name },
        occurrenceDateTime: date, enteredDate: shanghaiIso(shanghaiMs(date, '08:00') + n * 60_000),
        quantity: { value: c.qty, unit: c.unit }, priceOverride: money(c.priceFen),
        extension: [{ url: extensions.insuranceInScope, valueBoolean: c.inScope }, { url: extensions.costCategory, valueString: c.category }],
      });
    });
    for (const d of a.deposits) {
      const paidAt = shanghaiIso(shanghaiMs(addDays(today, -d.daysAgo), '11:05'));
      out.push({
        resourceType: 'PaymentNotice', id: d.depositNo, identifier: [{ system: s.depositNo, value: d.depositNo }], status: 'active',
        request: { reference: `Account/${account}` }, created: paidAt, paymentDate: paidAt.slice(0, 10), amount: money(d.amountFen),
        recipient: { reference: `Organization/${hospital.hospitalId}` }, payment: { display: '住院收费处' },
        extension: [{ url: extensions.paymentMethod, valueCode: d.method }],
      });
    }
    if (a.insured) {
      const inScope = a.costs.filter((c) => c.inScope).reduce((sum, c) => sum + c.amountFen, 0);
      const total = a.costs.reduce((sum, c) => sum + c.amountFen, 0);
      const created = shanghaiIso(shanghaiMs(today, '07:00'));
      out.push({ resourceType: 'Coverage', id: `COV-${a.admissionNo}`, status: 'active', beneficiary: patientRef(a.patientId), payor: [{ display: '示例市医疗保障局' }] });
      out.push({
        resourceType: 'Claim', id: `CLM-${a.admissionNo}`, status: 'active', use: 'claim', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' }] },
        patient: patientRef(a.patientId), created, provider: { reference: `Organization/${hospital.hospitalId}` }, priority: { coding: [{ code: 'normal' }] },
        insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/COV-${a.admissionNo}` } }],
        item: [{ sequence: 1, productOrService: { text: '住院费用' }, encounter: [{ reference: `Encounter/${a.admissionNo}` }], net: money(total) }],
        total: money(total),
      });
      out.push({
        resourceType: 'ClaimResponse', id: `CLR-${a.admissionNo}`, status: 'active', use: 'claim', outcome: 'complete', created,
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' }] },
        patient: patientRef(a.patientId), insurer: { display: '示例市医疗保障局' }, request: { reference: `Claim/CLM-${a.admissionNo}` },
        total: [{ category: { coding: [{ system: codes.adjudication, code: 'benefit' }] }, amount: money(Math.floor((inScope * fundShare.numerator) / fundShare.denominator)) }],
      });
    }
  }
  return out;
}

/** Age in whole years on the report day, as the simulator prints it. */
function ageOn(born: string, day: string): number {
  const years = Number(day.slice(0, 4)) - Number(born.slice(0, 4));
  return day.slice(5, 10) < born.slice(5, 10) ? years - 1 : years;
}

const rendered = new Map<string, Promise<{ pdf: Buffer; pages: number }>>();

/** Lab reports; R000000004's PDF sits in a Binary the report points to, the others inline, so both forms are read. */
async function labReports(today: string): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const r of reports) {
    const patient = allPatients.find((p) => p.patientId === r.patientId)!;
    const reportedAt = r.daysAgo === null ? undefined : shanghaiIso(shanghaiMs(addDays(today, -r.daysAgo), '07:40'));
    let presentedForm: unknown[] | undefined;
    if (reportedAt) {
      const key = `${r.reportId}@${reportedAt}`;
      if (!rendered.has(key)) {
        rendered.set(key, renderLabReport({
          hospitalName: hospital.name, reportId: r.reportId, title: r.title, deptName: deptName(r.deptId), patientId: r.patientId, patientName: patient.name,
          sex: patient.sex, age: ageOn(birthDate(patient.idNumber), reportedAt), reportedAt, results: r.results,
        }));
      }
      const { pdf, pages } = await rendered.get(key)!;
      const pagesExtension = [{ url: extensions.attachmentPages, valuePositiveInt: pages }];
      if (r.reportId === 'R000000004') {
        out.push({ resourceType: 'Binary', id: `PDF-${r.reportId}`, contentType: 'application/pdf', data: pdf.toString('base64') });
        presentedForm = [{ contentType: 'application/pdf', url: `Binary/PDF-${r.reportId}`, title: r.title, size: pdf.length, extension: pagesExtension }];
      } else {
        presentedForm = [{ contentType: 'application/pdf', data: pdf.toString('base64'), title: r.title, size: pdf.length, extension: pagesExtension }];
      }
    }
    out.push({
      resourceType: 'DiagnosticReport', id: r.reportId, identifier: [{ system: s.reportId, value: r.reportId }], status: reportedAt ? 'final' : 'registered',
      category: [{ coding: [{ system: codes.diagnosticSection, code: r.type === 'IMAGING' ? 'RAD' : r.type === 'LAB' ? 'LAB' : 'OTH' }] }],
      code: { text: r.title }, subject: patientRef(r.patientId), performer: [{ reference: `Organization/${r.deptId}`, display: deptName(r.deptId) }],
      ...(reportedAt ? { issued: reportedAt, effectiveDateTime: reportedAt, presentedForm } : {}),
    } as Resource);
  }
  return out;
}

/** Writes the seeded hospital into a repository as of `now` (epoch milliseconds). */
export async function seedHospital(repo: { createResource<T extends Resource>(resource: T): Promise<T> }, now = Date.now()): Promise<void> {
  const today = shanghaiDate(now);
  const taken = booked(today);
  const slotsTaken = new Set(taken.slots);
  const resources = [...directory(today), ...outpatients(), ...paidHistory(today), ...catalogue(), ...taken.resources, ...stays(today), ...(await labReports(today))];
  for (const r of resources) {
    await repo.createResource(r.resourceType === 'Slot' && slotsTaken.has(r.id!) ? { ...r, status: 'busy' } : r);
  }
}
