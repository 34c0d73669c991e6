import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HisSimulator } from '../../central/his/simulator.ts';
import { activeAlarmsSchema, type ActiveAlarm } from '../../contract/fleet.ts';
import { topics } from '../../contract/topics.ts';
import { CardDispenserSimulator } from '../../drivers/card/simulator.ts';
import { startSimulator, type RunningSimulator } from '../../drivers/core/simulator-host.ts';
import type { SimulatorEvent } from '../../drivers/core/simulator.ts';
import { noRecordIdCard } from '../../drivers/idcard/simulator.ts';
import type { KioskConfig } from '../../runtime/config.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * 建档发卡 end to end: a person the hospital has never seen puts their ID card on the reader, gets
 * a record and a patient card, and goes on as that patient; with the stacker empty, or a cancel on
 * the keypad, nothing is created. The HIS simulator's own record, the dispenser's card movements,
 * the printed slip and the kiosk's journal are checked.
 *
 * The stacker holds known cards of the hospital's own kind (10-digit numbers, as
 * central/his/sim/patients.ts accepts), so the dispenser runs here in the test process, the real
 * simulator on a real pty with its stacker loaded, and the test knows which card goes out.
 */
const STACKER = ['2000100001', '2000100002', '2000100003'];
const PHONE = '13905718296';
const person = noRecordIdCard;

describe('a new patient gets a record and a patient card from their ID card', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  let dispenser: RunningSimulator | undefined;
  let cardEvents: SimulatorEvent[] = [];
  afterEach(async () => {
    await kiosk?.stop();
    await dispenser?.close();
    await stack?.stop();
    kiosk = dispenser = stack = undefined;
  });

  async function start(): Promise<{ stack: Stack; kiosk: KioskScreen; dispenser: RunningSimulator }> {
    stack = await Stack.start({ idcard: true });
    dispenser = await startSimulator(new CardDispenserSimulator({ cards: STACKER }));
    cardEvents = [];
    dispenser.onEvent((e) => cardEvents.push(e));
    const file = stack.kioskConfig({ flows: ['bills', 'cardIssue'] });
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as KioskConfig;
    config.devices.card.port = dispenser.port;
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
    kiosk = KioskScreen.start(file);
    return { stack, kiosk, dispenser };
  }

  /** From the attract screen to the keypad: the unknown ID card, the offer, the card read again, the identity confirmed. */
  async function toKeypad(s: Stack, k: KioskScreen): Promise<void> {
    await k.waitFor('或将身份证放在感应区', 90_000);
    await s.placeIdCard('no-record');
    await k.waitFor('未查询到您的就诊档案');
    k.press('1');
    await k.waitFor('请将身份证从感应区拿起');
    await s.placeIdCard('no-record');
    await k.waitFor('请核对您的身份信息');
    expect(k.text()).toContain(person.name);
    expect(k.text()).toContain(`**************${person.idNumber.slice(-4)}`);
    k.press('1');
    await k.waitFor('请输入您的手机号码');
  }

  async function hisRecord(s: Stack): Promise<{ patientId: string; cardNo: string; phone: string } | undefined> {
    const his = HisSimulator.open(path.join(s.dir, 'his'));
    try {
      const found = await his.identifyPatient({ credType: 'idCard', credNo: person.idNumber }).catch(() => undefined);
      if (!found) return undefined;
      // The phone is in the HIS's own register only: read it there.
      const db = new Database(path.join(s.dir, 'his', 'his.sqlite'), { readonly: true });
      const { phone } = db.prepare<[string], { phone: string }>('SELECT phone FROM patients WHERE patient_id = ?').get(found.patientId)!;
      db.close();
      return { patientId: found.patientId, cardNo: found.cardNo, phone };
    } finally {
      his.close();
    }
  }

  async function journal(s: Stack): Promise<{ txns: number; open: { count: number } }> {
    const run = await runZizhu(['journal', 'verify', '--db', s.journalFile, '--json']);
    expect(run.code, run.stdout).toBe(0);
    return JSON.parse(run.stdout) as { txns: number; open: { count: number } };
  }

  function journalEvents(s: Stack): { type: string; txnId: string | null; data: string }[] {
    const db = new Database(s.journalFile, { readonly: true });
    try {
      return db.prepare<[], { type: string; txnId: string | null; data: string }>("SELECT type, txn_id AS txnId, data FROM events WHERE type LIKE 'card.%' ORDER BY seq").all();
    } finally {
      db.close();
    }
  }

  it('creates the record with the card from the stacker and the phone typed, hands the card out, prints the slip, and goes on as the new patient', async () => {
    const { stack: s, kiosk: k, dispenser: d } = await start();
    expect(await hisRecord(s)).toBeUndefined();
    await toKeypad(s, k);
    // A slip of the finger corrected with Backspace; 0 and 9 are digits here, not exit and language.
    k.press(`${PHONE.slice(0, 5)}7`);
    await k.waitFor(`[ ${PHONE.slice(0, 3)} ${PHONE.slice(3, 5)}7_ ____ ]`);
    k.press('\x7f');
    k.press(PHONE.slice(5));
    await k.waitFor(`[ ${PHONE.slice(0, 3)} ${PHONE.slice(3, 7)} ${PHONE.slice(7)} ]`);
    const mark = s.printer.lines.length;
    k.press('\r');

    await k.waitFor('请取走您的就诊卡');
    expect(d.control('state')).toMatchObject({ cardAt: 'gate', cardNo: STACKER[0] });
    d.control('take');
    await k.waitFor('建档成功');
    const slip = await s.printer.find((l) => l.event === 'receipt', mark);
    const text = (slip.lines as string[]).join('\n');

    const record = await hisRecord(s);
    expect(record).toEqual({ patientId: expect.stringMatching(/^P\d{4}$/), cardNo: STACKER[0], phone: PHONE });
    expect(k.text()).toContain(record!.patientId);
    expect(text).toContain('建档发卡凭条');
    expect(text).toContain(record!.patientId);
    expect(text).toContain(`******${STACKER[0]!.slice(-4)}`);
    expect(text).toContain('林*雨');
    for (const secret of [person.name, person.idNumber, PHONE, STACKER[0]!]) expect(text).not.toContain(secret);

    // One card out of the stacker, to the gate, taken: each move journaled under one transaction.
    expect(cardEvents.map((e) => [e.action, e.cardNo])).toEqual([['dispensed', STACKER[0]], ['ejected', STACKER[0]], ['taken', STACKER[0]]]);
    const moves = journalEvents(s).filter((e) => e.txnId !== null);
    expect(moves.map((e) => e.type)).toEqual(['card.dispense.intent', 'card.dispensed', 'card.eject.intent', 'card.ejected', 'card.taken']);
    expect(new Set(moves.map((e) => e.txnId)).size).toBe(1);
    expect(JSON.parse(moves[1]!.data)).toEqual({ cardNo: `******${STACKER[0]!.slice(-4)}` });
    const his = HisSimulator.open(path.join(s.dir, 'his'));
    expect(await his.queryTrade({ tradeNo: moves[0]!.txnId! })).toMatchObject({ state: 'settled' });
    his.close();

    // On to the services as the new patient: the HIS has no bills for them yet.
    k.press('1');
    await k.waitFor('您没有待缴费用');
    expect(k.text()).not.toContain(person.name);
    expect((await journal(s)).open.count).toBe(0);

    // Personal-data canary: the holder's name, ID number and phone reach no journal, ledger or log.
    await k.stop();
    for (const file of ['journal.sqlite', 'journal.sqlite-wal', 'ledger.sqlite', 'ledger.sqlite-wal', 'kiosk.log', 'bridge.log']) {
      const p = path.join(s.dir, file);
      if (!fs.existsSync(p)) continue;
      const bytes = fs.readFileSync(p);
      for (const secret of [person.name, person.idNumber, PHONE]) expect(bytes.includes(Buffer.from(secret)), `${file} holds ${secret}`).toBe(false);
    }
  }, 120_000);

  it('keeps the card for a counter, with an alarm and a slip, when the patient walks away from the gate', async () => {
    const { stack: s, kiosk: k, dispenser: d } = await start();
    await toKeypad(s, k);
    k.press(PHONE);
    await k.waitFor(`${PHONE.slice(7)} ]`);
    const mark = s.printer.lines.length;
    k.press('\r');
    await k.waitFor('请取走您的就诊卡');
    // Nobody takes it: the take-card countdown runs out.
    await k.waitFor('您的档案已建立', 30_000);
    const slip = ((await s.printer.find((l) => l.event === 'receipt', mark)).lines as string[]).join('\n');
    const record = await hisRecord(s);
    expect(record).toMatchObject({ cardNo: STACKER[0], phone: PHONE });
    expect(slip).toContain('请凭此单到人工窗口领取就诊卡');
    expect(slip).toContain(record!.patientId);
    expect(d.control('state')).toMatchObject({ cardAt: 'none', binCount: 1 });
    expect(cardEvents.map((e) => e.action)).toEqual(['dispensed', 'ejected', 'captured']);
    const moves = journalEvents(s).filter((e) => e.txnId !== null);
    expect(moves.map((e) => e.type)).toEqual(['card.dispense.intent', 'card.dispensed', 'card.eject.intent', 'card.ejected', 'card.capture.intent', 'card.captured']);
    const txnId = moves[0]!.txnId!;

    // Operations see which card to fetch from the bin, and for whom; the retained set has it for a console that connects later.
    const console_ = await mqtt.connectAsync(s.broker.url, { protocolVersion: 5, clientId: 'console-card-issue' });
    try {
      const active = new Promise<ActiveAlarm[]>((resolve) => console_.on('message', (_topic, body) => resolve(activeAlarmsSchema.parse(JSON.parse(body.toString())).alarms)));
      await console_.subscribeAsync(topics.alarmsActive('E2E-001'), { qos: 1 });
      const kept = (await active).find((a) => a.alarmId === `card.kept:${txnId}`);
      expect(kept).toMatchObject({ code: 'card.kept', device: 'card', detail: { txnId, patientId: record!.patientId, cardNo: `******${STACKER[0]!.slice(-4)}` } });
    } finally {
      await console_.endAsync();
    }

    // The record exists but the card is not in the patient's hand: the visit ends there.
    k.press('1');
    await k.waitFor('请取走您的身份证');
    expect((await journal(s)).open.count).toBe(0);
  }, 120_000);

  it('says so when the stacker is empty, and creates and charges nothing', async () => {
    const { stack: s, kiosk: k, dispenser: d } = await start();
    d.control('stacker 0');
    await toKeypad(s, k);
    const mark = s.printer.lines.length;
    k.press(PHONE);
    await k.waitFor(`${PHONE.slice(7)} ]`);
    k.press('\r');
    await k.waitFor('未能办卡');
    await k.waitFor('no cards left');
    expect(await hisRecord(s)).toBeUndefined();
    expect(cardEvents).toEqual([]);
    expect(s.printer.lines.slice(mark).filter((l) => l.event === 'receipt')).toEqual([]);
    expect(await s.posLedger()).toMatchObject({ sales: 0 });
    expect(journalEvents(s).filter((e) => e.txnId !== null).map((e) => e.type)).toEqual(['card.dispense.intent']);
    expect((await journal(s)).open.count).toBe(0);
    k.press('1');
    await k.waitFor('请取走您的身份证');
    await k.waitFor('或将身份证放在感应区');
  }, 120_000);

  it('creates nothing when the patient cancels on the keypad', async () => {
    const { stack: s, kiosk: k } = await start();
    await toKeypad(s, k);
    k.press('139');
    await k.waitFor('[ 139 ____ ____ ]');
    k.press('\x1b');
    await k.waitFor('请取走您的身份证');
    await k.waitFor('或将身份证放在感应区');
    expect(await hisRecord(s)).toBeUndefined();
    expect(cardEvents).toEqual([]);
    expect(journalEvents(s).filter((e) => e.txnId !== null)).toEqual([]);
    expect((await journal(s)).txns).toBe(0);
  }, 120_000);

  it('takes the card fee the HIS asks for through the payment machine, by bank card, and creates the record with the card', async () => {
    const { stack: s, kiosk: k } = await start();
    expect((await runZizhu(['his-sim', 'config', '--data', path.join(s.dir, 'his'), '--card-fee', '500'])).code).toBe(0);
    await s.pos.control('auto approve 100');
    await toKeypad(s, k);
    k.press(PHONE);
    const mark = s.printer.lines.length;
    k.press('\r');

    // The HIS names the fee; the only method configured is the bank card, so the sale starts at once
    // and the bank module approves it by itself.
    await k.waitFor('请取走您的就诊卡', 60_000);
    const receipt = await s.printer.find((l) => l.event === 'receipt', mark);
    expect((receipt.lines as string[]).join('\n')).toContain('5.00');
    dispenser!.control('take');
    await k.waitFor('建档成功');

    const record = await hisRecord(s);
    expect(record).toMatchObject({ cardNo: STACKER[0], phone: PHONE });
    const pos = await s.posLedger();
    expect(pos.records.filter((r) => r.approved && !r.voided).map((r) => r.amountFen)).toEqual([500]);
    // The fee's transaction is settled at the kiosk and in the HIS, with nothing open.
    const fee = (await journal(s));
    expect(fee.txns).toBeGreaterThanOrEqual(1);
    expect(fee.open.count).toBe(0);
  }, 120_000);
});
