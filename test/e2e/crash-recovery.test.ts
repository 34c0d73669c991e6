import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { freePort, startBroker } from '../../central/broker/mosquitto.ts';
import { formatYuan } from '../../contract/money.ts';
import { KioskExited, KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * The journey with the kiosk killed right after each of its journal writes in turn
 * (ZIZHU_CRASH_AFTER_JOURNAL=n, DESIGN.md §8) and restarted against the same simulators, which
 * outlive it. Every time: the bill is paid exactly once, or not paid with any sale voided on the
 * payment module's own ledger; a slip or receipt explains it; the journal verifies.
 */
async function journey(stack: Stack, kiosk: KioskScreen, totalFen: number): Promise<void> {
  await kiosk.waitFor('请插入就诊卡');
  await stack.card.control(`insert ${stack.patient.cardNo}`);
  await kiosk.waitFor(formatYuan(totalFen));
  kiosk.press('1');
  await kiosk.waitFor('确认');
  kiosk.press('1');
  await kiosk.waitFor('请取走', 60_000);
  await stack.card.control('take');
  await kiosk.waitFor('请插入就诊卡');
}

function journalWrites(file: string): number {
  const db = new Database(file, { readonly: true });
  const n = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  db.close();
  return n;
}

describe('crash after every journal write, then recovery', () => {
  it('never pays twice, never loses a sale, always explains', { timeout: 900_000 }, async () => {
    const broker = await startBroker({ port: await freePort() });
    try {
      // A clean run counts the writes N.
      const clean = await Stack.start({ broker });
      await clean.pos.control('auto approve 100');
      const totalFen = clean.patient.bills.reduce((s, b) => s + b.amountFen, 0);
      const k0 = KioskScreen.start(clean.kioskConfig());
      await journey(clean, k0, totalFen);
      await k0.stop();
      const writes = journalWrites(clean.journalFile);
      await clean.stop({ keepBroker: true });
      expect(writes).toBeGreaterThan(8);
      console.info(`crash test (card): the journey makes ${writes} journal writes; the kiosk is killed after each`);

      for (let n = 1; n <= writes; n++) {
        const stack = await Stack.start({ broker });
        try {
          await stack.pos.control('auto approve 100');
          const config = stack.kioskConfig();
          const crashing = KioskScreen.start(config, { ZIZHU_CRASH_AFTER_JOURNAL: String(n) });
          await journey(stack, crashing, totalFen).catch((e: unknown) => {
            if (!(e instanceof KioskExited)) throw e;
          });
          expect(await crashing.exited, `kiosk should have died at write ${n}`).toBe(128 + 9);

          const printedBefore = stack.printer.events('receipt').length;
          const restarted = KioskScreen.start(config);
          // A card the crash left inside comes back to the gate at boot; the patient takes it.
          const takeAtGate = setInterval(() => {
            void stack.card.control('state').then((s) => (s.cardAt === 'gate' ? stack.card.control('take') : undefined));
          }, 300);
          try {
            await restarted.waitFor('请插入就诊卡', 60_000);
          } finally {
            clearInterval(takeAtGate);
          }
          await restarted.stop();
          expect((await stack.card.control('state')).cardAt, `crash at ${n}: card left in the reader`).not.toBe('reader');

          const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
          expect(verify.code, `journal verify after crash at write ${n}: ${verify.stdout}`).toBe(0);
          expect((JSON.parse(verify.stdout) as { open: { count: number } }).open.count).toBe(0);

          const ledger = await stack.posLedger();
          const kept = ledger.records.filter((r) => r.transType !== 'void' && r.approved && !r.voided);
          const bills = await stack.hisBills();
          const paid = bills.every((b) => b.paid);
          if (paid) expect(kept, `crash at ${n}: paid bill needs exactly one kept sale`).toHaveLength(1);
          else {
            expect(bills.some((b) => b.paid), `crash at ${n}: bills half paid`).toBe(false);
            expect(kept, `crash at ${n}: unpaid bill but a sale was kept`).toHaveLength(0);
          }
          const txns = (JSON.parse(verify.stdout) as { txns: number }).txns;
          if (txns > 0) expect(stack.printer.events('receipt').length, `crash at ${n}: nothing printed to explain`).toBeGreaterThan(printedBefore - (paid ? 1 : 0));
        } finally {
          await stack.stop({ keepBroker: true });
        }
      }
    } finally {
      await broker.stop();
    }
  });
});
