import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { freePort, startBroker } from '../../central/broker/mosquitto.ts';
import { formatYuan } from '../../contract/money.ts';
import { KioskExited, KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * The cash journey with the kiosk killed right after each of its journal writes in turn, then
 * restarted against the same simulators (DESIGN.md §8). Every time: the journal verifies with
 * nothing open; the notes in the acceptor's cash box are exactly the cash the journal collected;
 * and the bills are paid with that cash, or unpaid with all of it owed back on a voucher.
 */
const NOTE = 10_000;

async function journey(stack: Stack, kiosk: KioskScreen, totalFen: number): Promise<void> {
  await kiosk.waitFor('请插入就诊卡');
  await stack.card.control(`insert ${stack.patient.cardNo}`);
  await kiosk.waitFor(formatYuan(totalFen));
  kiosk.press('1');
  await kiosk.waitFor('确认');
  kiosk.press('1');
  await kiosk.waitFor('请选择支付方式');
  kiosk.press('2');
  await kiosk.waitFor('请投入纸币');
  for (let i = 0; i < Math.ceil(totalFen / NOTE); i++) {
    // The note is stacked, or the kiosk died and the unit returns it from escrow.
    if ((await stack.feedNote(NOTE, kiosk.exited)) === 'gone') break;
  }
  await kiosk.waitFor('请取走', 60_000);
  await stack.card.control('take');
  await kiosk.waitFor('请插入就诊卡');
}

function journalCounts(file: string): { writes: number; collectedFen: number } {
  const db = new Database(file, { readonly: true });
  const writes = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  const collectedFen = (db.prepare('SELECT coalesce(sum(collected), 0) AS f FROM txns').get() as { f: number }).f;
  db.close();
  return { writes, collectedFen };
}

describe('crash after every journal write of a cash payment, then recovery', () => {
  it('never loses a note, never pays twice, always explains', { timeout: 900_000 }, async () => {
    const broker = await startBroker({ port: await freePort() });
    try {
      const clean = await Stack.start({ broker, cash: true });
      const totalFen = clean.patient.bills.reduce((s, b) => s + b.amountFen, 0);
      const k0 = KioskScreen.start(clean.kioskConfig());
      await journey(clean, k0, totalFen);
      await k0.stop();
      const { writes } = journalCounts(clean.journalFile);
      await clean.stop({ keepBroker: true });
      expect(writes).toBeGreaterThan(8);
      console.info(`crash test (cash): the journey makes ${writes} journal writes; the kiosk is killed after each`);

      for (let n = 1; n <= writes; n++) {
        const stack = await Stack.start({ broker, cash: true });
        try {
          const config = stack.kioskConfig();
          const crashing = KioskScreen.start(config, { ZIZHU_CRASH_AFTER_JOURNAL: String(n) });
          await journey(stack, crashing, totalFen).catch((e: unknown) => {
            if (!(e instanceof KioskExited)) throw e;
          });
          expect(await crashing.exited, `kiosk should have died at write ${n}`).toBe(128 + 9);

          const printedBefore = stack.printer.events('receipt').length;
          const restarted = KioskScreen.start(config);
          const takeAtGate = setInterval(() => {
            void stack.card.control('state').then((s) => (s.cardAt === 'gate' ? stack.card.control('take') : undefined));
          }, 300);
          try {
            await restarted.waitFor('请插入就诊卡', 60_000);
          } finally {
            clearInterval(takeAtGate);
          }
          await restarted.stop();

          const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
          expect(verify.code, `journal verify after crash at write ${n}: ${verify.stdout}`).toBe(0);
          const report = JSON.parse(verify.stdout) as { txns: number; open: { count: number } };
          expect(report.open.count).toBe(0);

          // The acceptor's own count of its cash box against the journal's collected cash.
          const unit = (await stack.cash!.control('state')) as { cashbox: { fen: number } };
          const { collectedFen } = journalCounts(stack.journalFile);
          expect(unit.cashbox.fen, `crash at ${n}: cash box and journal disagree`).toBe(collectedFen);

          const bills = await stack.hisBills();
          const paid = bills.every((b) => b.paid);
          if (!paid) expect(bills.some((b) => b.paid), `crash at ${n}: bills half paid`).toBe(false);
          if (paid) expect(collectedFen, `crash at ${n}: paid without the cash`).toBeGreaterThanOrEqual(totalFen);
          if (report.txns > 0 && collectedFen > 0) expect(stack.printer.events('receipt').length, `crash at ${n}: nothing printed to explain`).toBeGreaterThan(printedBefore - (paid ? 1 : 0));
        } finally {
          await stack.stop({ keepBroker: true });
        }
      }
    } finally {
      await broker.stop();
    }
  });
});
