import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedPlatform } from '../../central/insurance/platform.ts';
import { formatYuan } from '../../contract/money.ts';
import { toPayment } from '../helpers/journeys.ts';
import { KioskExited, KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';
import { startMqttProxy } from './mqtt-proxy.ts';
import { mulberry32 } from './prng.ts';

/**
 * The money-conservation suite (DESIGN.md §8, issue 4 §8): one kiosk takes payments by card, QR,
 * cash and medical insurance, one patient after another, while a seeded schedule injects faults:
 * the kiosk killed after a journal write, the bridge killed mid-saga, the broker stopped and
 * restarted mid-payment, the HIS refusing, down, slow or committing and then going silent, the QR
 * channel or the insurance platform refusing or committing and then going silent, duplicated and
 * delayed (and so reordered) MQTT messages.
 * Afterwards the independent records must agree: the kiosk's journal, the bridge's ledger, the
 * HIS's bills, the QR channel's and the insurance platform's own books, the bank module's ledger
 * and the bill acceptor's cash box; not one fen unaccounted. CI runs a fixed seed; `scripts/soak`
 * runs fresh seeds for as long as you like (ZIZHU_FAULT_SEED replays one, ZIZHU_SOAK_JOURNEYS
 * sets how many payments).
 */
const SEED = Number(process.env.ZIZHU_FAULT_SEED ?? 20261122) >>> 0;
/**
 * Accelerated time (DESIGN.md §8): the kiosk and the bridge (with the HIS, QR channel and
 * insurance simulators in it) run the production deadlines below four times faster: a 60 s
 * settle deadline passes in 15 s, the 45 s QR deadline in about 11 s.
 */
const TIME_SCALE = { ZIZHU_TIME_SCALE: '4' };
const productionTimeouts = { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000, rpcMs: 15_000, saleMs: 120_000, settleDeadlineMs: 60_000 };
const JOURNEYS = Number(process.env.ZIZHU_SOAK_JOURNEYS ?? 10);
const methods = ['card', 'qr', 'cash', 'insurance'] as const;
const faults = ['none', 'kioskCrash', 'hisRefuses', 'hisSilent', 'hisDown', 'hisSlow', 'bridgeKilled', 'brokerStop', 'channelSilent', 'channelRefuses'] as const;
type Method = (typeof methods)[number];
type Fault = (typeof faults)[number];

function journalRows(file: string) {
  const db = new Database(file, { readonly: true });
  const writes = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  const money = db
    .prepare('SELECT coalesce(sum(collected),0) c, coalesce(sum(applied),0) a, coalesce(sum(refunded),0) r, coalesce(sum(change_given),0) g, coalesce(sum(voucher),0) v, coalesce(sum(pending),0) p FROM txns')
    .get() as { c: number; a: number; r: number; g: number; v: number; p: number };
  const stacked = (db.prepare("SELECT coalesce(sum(json_extract(data, '$.fen')), 0) AS f FROM events WHERE type = 'cash.note.stacked'").get() as { f: number }).f;
  db.close();
  return { writes, money, stacked };
}

describe('money conservation under injected faults', () => {
  it(`${JOURNEYS} payments, seed ${SEED}: every fen collected is applied, refunded, owed or pending; nothing applied twice`, { timeout: 900_000 }, async () => {
    console.info(`conservation seed=${SEED} journeys=${JOURNEYS} (replay: ZIZHU_FAULT_SEED=${SEED})`);
    const random = mulberry32(SEED);
    // Every kind of fault comes round once in each run of ten payments, and every method once in
    // each run of four, each in a seeded order.
    const order = [...faults].sort(() => random() - 0.5);
    const methodOrder = [...methods].sort(() => random() - 0.5);
    const stack = await Stack.start({ cash: true, scanner: true, insurance: true, env: TIME_SCALE });
    const proxy = await startMqttProxy({
      brokerPort: Number(new URL(stack.broker.url).port),
      seed: SEED,
      // Every kiosk request may arrive twice, and some answers late: idempotency must hold.
      rules: [
        { name: 'dup-rpc', direction: 'toBroker', topic: 'kiosk/v1/+/rpc', duplicate: { p: 0.3 } },
        // Late answers may overtake each other: order must not matter either.
        { name: 'late-res', direction: 'toClient', topic: 'kiosk/v1/+/rpc/res', delay: { p: 0.3, minMs: 5, maxMs: 200, reorder: true } },
      ],
    });
    // Whatever fails, nothing of this run is left running.
    try {
      const config = stack.kioskConfig({ broker: { url: proxy.url }, timeouts: productionTimeouts });
      const injected: string[] = [];
      let kiosk = KioskScreen.start(config, TIME_SCALE);
      try {
        const takeAtGate = setInterval(() => {
          void stack.card.control('state').then((s) => (s.cardAt === 'gate' ? stack.card.control('take') : undefined));
        }, 400);
        try {
          // Each payment goes to the next patient who still owes something (one whose payment a
          // fault undid comes round again), so every fault of the schedule meets a payment.
          let next = 0;
          for (let i = 0; i < JOURNEYS; i++) {
            const owing = await nextOwing(stack, next);
            if (!owing) break;
            const { patient, unpaid } = owing;
            next = stack.patients.indexOf(patient) + 1;
            const totalFen = unpaid.reduce((s, b) => s + b.amountFen, 0);
            const fault: Fault = order[i % order.length]!;
            // A channel's own fault needs a payment on that channel: QR or insurance.
            const planned: Method = methodOrder[i % methodOrder.length]!;
            const onChannel = fault === 'channelSilent' || fault === 'channelRefuses';
          const method: Method = onChannel && (planned === 'card' || planned === 'cash') ? (random() < 0.5 ? 'qr' : 'insurance') : planned;
            injected.push(`${i}:${method}:${fault}`);

            if (fault === 'hisRefuses' || fault === 'hisSilent' || fault === 'hisDown' || fault === 'hisSlow') {
              const modes = { hisRefuses: ['error', '--code', 'REJECTED'], hisSilent: ['commitThenSilent'], hisDown: ['down'], hisSlow: ['slow', '--ms', '4000'] };
              const mode = modes[fault];
              expect((await runZizhu(['his-sim', 'fault', '--data', path.join(stack.dir, 'his'), '--fn', 'settle', '--mode', ...mode, '--once'])).code).toBe(0);
            }
            // The payment's own channel takes the money (or settles the insurance) and then never
            // answers, or refuses it outright.
            if (fault === 'channelSilent' || fault === 'channelRefuses') channelFault(stack, method, fault === 'channelSilent' ? 'commitThenSilent' : 'error');
            if (fault === 'kioskCrash') {
              await kiosk.stop();
              const after = journalRows(stack.journalFile).writes + 1 + Math.floor(random() * 10);
              kiosk = KioskScreen.start(config, { ...TIME_SCALE, ZIZHU_CRASH_AFTER_JOURNAL: String(after) });
            }
            // Card payments, and the self-pay part of an insurance settlement, are approved at the bank module.
            if (method === 'card' || method === 'insurance') await stack.pos.control('auto approve 100');

            const journey = async () => {
              if (method === 'insurance') await payWithInsurance(stack, kiosk, patient, totalFen);
              else await toPayment(stack, kiosk, patient.cardNo, totalFen, String(methods.indexOf(method) + 1));
              if (fault === 'bridgeKilled') await stack.restartBridge();
              // The broker goes away while the payment is under way: the kiosk and the bridge reconnect.
              if (fault === 'brokerStop') await stack.restartBroker(500 + Math.floor(random() * 2500));
              if (method === 'qr') {
                await kiosk.waitFor('付款码');
                await stack.scanner!.control(`scan 13555555555555${String(i).padStart(4, '0')}`);
              }
              if (method === 'cash') {
                await kiosk.waitFor('请投入纸币');
                for (let n = 0; n < Math.ceil(totalFen / 10_000); n++) {
                  if ((await stack.feedNote(10_000, kiosk.exited)) === 'gone') break;
                }
              }
              await kiosk.waitFor('请插入就诊卡', 120_000);
            };
            await journey().catch((e: unknown) => {
              if (!(e instanceof KioskExited)) throw e;
            });
            if (fault === 'kioskCrash') {
              // It may have died at any write, or after the journey; either way it comes back.
              await kiosk.stop();
              kiosk = KioskScreen.start(config, TIME_SCALE);
              await kiosk.waitFor('请插入就诊卡', 120_000);
            }
          }
        } finally {
          clearInterval(takeAtGate);
        }
        await kiosk.waitFor('请插入就诊卡', 120_000);
      } finally {
        await kiosk.stop();
      }

      // 1. The kiosk's own books balance: every closed transaction, to the fen, and nothing open.
      const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
      expect(verify.code, `${verify.stdout}\nfaults: ${injected.join(' ')}`).toBe(0);
      expect((JSON.parse(verify.stdout) as { open: { count: number } }).open.count).toBe(0);
      const { money, stacked } = journalRows(stack.journalFile);
      const unaccounted = money.c - (money.a + money.r + money.g + money.v + money.p);
      console.info(`conservation: ${injected.length} payments with faults ${injected.join(' ')}; collected ${money.c} fen, applied ${money.a}, refunded ${money.r}, owed ${money.v}, pending ${money.p}; unaccounted ${unaccounted} fen; proxy ${JSON.stringify(proxy.stats)}`);
      expect(unaccounted).toBe(0);

      // 2. The HIS applied exactly what the kiosk says it applied, plus what insurance paid (the
      // platform's settled fund and personal-account parts): nothing twice, nothing lost.
      const platform = SimulatedPlatform.open(path.join(stack.dir, 'insurance'));
      const settlements = platform.settlements();
      platform.close();
      const insurancePaid = settlements.filter((st) => st.state === 'settled').reduce((sum, st) => sum + st.fundFen + st.acctFen, 0);
      let hisPaid = 0;
      for (const p of stack.patients) hisPaid += (await stack.hisBills(p.patientId)).filter((b) => b.paid).reduce((s, b) => s + b.amountFen, 0);
      console.info(`conservation: insurance settlements ${settlements.map((st) => st.state).join(',') || 'none'}; insurance paid ${insurancePaid} fen; HIS paid ${hisPaid} fen`);
      // PENDING money may have been applied by the HIS without the kiosk knowing yet: a cashier settles it.
      expect(hisPaid).toBeGreaterThanOrEqual(money.a + insurancePaid);
      expect(hisPaid).toBeLessThanOrEqual(money.a + money.p + insurancePaid);

      // 2b. The bridge's ledger agrees with the kiosk on every transaction's end: a bill the kiosk
      // applied is SETTLED at central, and central settled nothing the kiosk holds as not applied.
      const disagreements = ledgerDisagreements(stack);
      expect(disagreements, disagreements.join('\n')).toEqual([]);

      // 3. The QR channel kept exactly the QR money the journal did not give back (its own ledger).
      const qrKept = channelKept(stack);
      const qr = journalQr(stack.journalFile);
      console.info(`conservation: QR channel kept ${qrKept} fen; journal QR applied ${qr.applied}, pending ${qr.pending}`);
      expect(qrKept).toBeGreaterThanOrEqual(qr.applied);
      expect(qrKept).toBeLessThanOrEqual(qr.applied + qr.pending);

      // 3b. The bill acceptor's cash box holds exactly the notes the journal counted.
      const unit = (await stack.cash!.control('state')) as { cashbox: { fen: number } };
      expect(unit.cashbox.fen).toBe(stacked);

      // 4. The bank module kept exactly the card money the journal did not give back.
      const ledger = await stack.posLedger();
      const kept = ledger.records.filter((r) => r.transType === 'sale' && r.approved && !r.voided).reduce((s, r) => s + r.amountFen, 0);
      const db = new Database(stack.journalFile, { readonly: true });
      const card = db
        .prepare("SELECT coalesce(sum(t.collected - t.refunded), 0) AS f FROM txns t WHERE EXISTS (SELECT 1 FROM events e WHERE e.txn_id = t.txn_id AND e.type = 'card.sale.intent')")
        .get() as { f: number };
      db.close();
      expect(kept).toBe(card.f);
    } finally {
      await proxy.stop();
      await stack.stop();
    }
  });
});

/**
 * Card in, pay, "use insurance", the e-voucher at the scanner; at the split, settle, and pay any
 * self-pay part by bank card. A patient the platform does not know is refused before any money
 * moves: the kiosk says so and the visit ends.
 */
async function payWithInsurance(stack: Stack, kiosk: KioskScreen, patient: Stack['patients'][number], totalFen: number): Promise<void> {
  await kiosk.waitFor('请插入就诊卡', 90_000);
  await stack.card.control(`insert ${patient.cardNo}`);
  await kiosk.waitFor(formatYuan(totalFen));
  kiosk.press('1');
  await kiosk.waitFor('医保结算');
  kiosk.press('2');
  await kiosk.waitFor('请出示医保电子凭证');
  await stack.scanner!.control(`scan ${patient.insuranceCode ?? 'YB3301999999999999'}`);
  await kiosk.waitFor(/医保预结算结果|未能缴费/);
  if (!kiosk.text().includes('医保预结算结果')) return void kiosk.press('1');
  const self = /个人自付: ([0-9]+\.[0-9]{2})/.exec(kiosk.text());
  kiosk.press('1');
  if (self && Number(self[1]) > 0) {
    await kiosk.waitFor('请选择支付方式');
    kiosk.press('1');
  }
}

/** A fault, once, on the channel the payment uses (written to the simulator's own book, which it reads on every call). */
function channelFault(stack: Stack, method: Method, mode: 'commitThenSilent' | 'error'): void {
  const target = method === 'qr' ? { file: path.join(stack.dir, 'pay', 'wechat', 'wechat.sqlite'), api: 'pay' } : method === 'insurance' ? { file: path.join(stack.dir, 'insurance', 'insurance.sqlite'), api: '2207' } : undefined;
  if (!target) return;
  const db = new Database(target.file);
  db.prepare('INSERT INTO faults (api, fault) VALUES (?, ?) ON CONFLICT (api) DO UPDATE SET fault = excluded.fault').run(target.api, JSON.stringify({ mode, once: true }));
  db.close();
}

/** What the WeChat and Alipay simulators kept: paid, less reversed and refunded. */
function channelKept(stack: Stack): number {
  let kept = 0;
  for (const channel of ['wechat', 'alipay']) {
    const file = path.join(stack.dir, 'pay', channel, `${channel}.sqlite`);
    if (!fs.existsSync(file)) continue;
    const db = new Database(file, { readonly: true });
    const paid = (db.prepare('SELECT coalesce(sum(CASE WHEN paid_at IS NOT NULL THEN amount_fen ELSE 0 END), 0) - coalesce(sum(reversed_fen), 0) AS f FROM trades').get() as { f: number }).f;
    const refunded = (db.prepare('SELECT coalesce(sum(amount_fen), 0) AS f FROM refunds').get() as { f: number }).f;
    db.close();
    kept += paid - refunded;
  }
  return kept;
}

/** The journal's QR money: applied to bills, and pending (the channel may or may not have kept it). */
function journalQr(file: string): { applied: number; pending: number } {
  const db = new Database(file, { readonly: true });
  const row = db
    .prepare("SELECT coalesce(sum(t.applied), 0) AS a, coalesce(sum(t.pending), 0) AS p FROM txns t WHERE EXISTS (SELECT 1 FROM events e WHERE e.txn_id = t.txn_id AND e.type = 'qr.pay.intent')")
    .get() as { a: number; p: number };
  db.close();
  return { applied: row.a, pending: row.p };
}

/**
 * Transactions whose end the kiosk's journal and the bridge's ledger tell differently. A kiosk
 * SETTLED is SETTLED at central; central SETTLED is SETTLED or PENDING at the kiosk (a kiosk that
 * gave up waiting holds it PENDING for a cashier); a transaction central never saw collected
 * nothing; and central knows no transaction the kiosk did not journal first.
 */
function ledgerDisagreements(stack: Stack): string[] {
  const kiosk = new Database(stack.journalFile, { readonly: true });
  const ours = kiosk.prepare<[], { txn_id: string; state: string; collected: number }>('SELECT txn_id, state, collected FROM txns').all();
  kiosk.close();
  const ledger = new Database(path.join(stack.dir, 'ledger.sqlite'), { readonly: true });
  const central = new Map(ledger.prepare<[], { txn_id: string; state: string }>('SELECT txn_id, state FROM txns').all().map((r) => [r.txn_id, r.state]));
  ledger.close();
  const problems: string[] = [];
  for (const t of ours) {
    const theirs = central.get(t.txn_id);
    if (t.state === 'SETTLED' && theirs !== 'SETTLED') problems.push(`${t.txn_id}: kiosk SETTLED, central ${theirs ?? 'never saw it'}`);
    if (theirs === 'SETTLED' && t.state !== 'SETTLED' && t.state !== 'PENDING') problems.push(`${t.txn_id}: central SETTLED, kiosk ${t.state}`);
    if (theirs === undefined && t.collected > 0) problems.push(`${t.txn_id}: kiosk collected ${t.collected} fen, central never saw it`);
  }
  // The kiosk journals before it asks: central cannot know a transaction the kiosk does not.
  const known = new Set(ours.map((t) => t.txn_id));
  for (const id of central.keys()) if (!known.has(id)) problems.push(`${id}: at central, not in the kiosk's journal`);
  return problems;
}

/** The first patient from `from` on (cycling) with unpaid bills, or none when nobody owes anything. */
async function nextOwing(stack: Stack, from: number): Promise<{ patient: Stack['patients'][number]; unpaid: { billNo: string; amountFen: number }[] } | undefined> {
  for (let k = 0; k < stack.patients.length; k++) {
    const patient = stack.patients[(from + k) % stack.patients.length]!;
    const unpaid = (await stack.hisBills(patient.patientId)).filter((b) => !b.paid);
    if (unpaid.length > 0) return { patient, unpaid };
  }
  return undefined;
}
