import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { freePort, startBroker } from '../../central/broker/mosquitto.ts';
import { formatYuan } from '../../contract/money.ts';
import { KioskExited, KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * The QR journey with the kiosk killed right after each of its journal writes in turn, then
 * restarted (DESIGN.md §8). The code went to central, which may have collected it whatever the
 * kiosk last wrote, so recovery must ask central, never assume nothing was paid. Every time: the
 * journal verifies with nothing open; the bills are paid and the kiosk's journal applied the money,
 * or they are unpaid and whatever was collected is refunded or PENDING.
 */
async function journey(stack: Stack, kiosk: KioskScreen, totalFen: number, code: string): Promise<void> {
  await kiosk.waitFor('请插入就诊卡');
  await stack.card.control(`insert ${stack.patient.cardNo}`);
  await kiosk.waitFor(formatYuan(totalFen));
  kiosk.press('1');
  await kiosk.waitFor('确认');
  kiosk.press('1');
  await kiosk.waitFor('请选择支付方式');
  kiosk.press('2');
  await kiosk.waitFor('付款码');
  await stack.scanner!.control(`scan ${code}`);
  await kiosk.waitFor('请取走', 60_000);
  await stack.card.control('take');
  await kiosk.waitFor('请插入就诊卡');
}

function journal(file: string): { writes: number; collected: number; applied: number; refunded: number; pending: number } {
  const db = new Database(file, { readonly: true });
  const writes = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  const sums = db.prepare('SELECT coalesce(sum(collected),0) AS collected, coalesce(sum(applied),0) AS applied, coalesce(sum(refunded),0) AS refunded, coalesce(sum(pending),0) AS pending FROM txns').get() as { collected: number; applied: number; refunded: number; pending: number };
  db.close();
  return { writes, ...sums };
}

describe('crash after every journal write of a QR payment, then recovery', () => {
  it('asks central, never pays twice, never loses a payment', { timeout: 900_000 }, async () => {
    const broker = await startBroker({ port: await freePort() });
    try {
      const clean = await Stack.start({ broker, scanner: true });
      const totalFen = clean.patient.bills.reduce((s, b) => s + b.amountFen, 0);
      const k0 = KioskScreen.start(clean.kioskConfig());
      await journey(clean, k0, totalFen, '135555555555555500');
      await k0.stop();
      const { writes } = journal(clean.journalFile);
      await clean.stop({ keepBroker: true });
      expect(writes).toBeGreaterThan(6);
      console.info(`crash test (qr): the journey makes ${writes} journal writes; the kiosk is killed after each`);

      for (let n = 1; n <= writes; n++) {
        const stack = await Stack.start({ broker, scanner: true });
        try {
          const config = stack.kioskConfig();
          const crashing = KioskScreen.start(config, { ZIZHU_CRASH_AFTER_JOURNAL: String(n) });
          // Each run its own code: a WeChat code pays one order only.
          await journey(stack, crashing, totalFen, `1355555555555555${String(n).padStart(2, '0')}`).catch((e: unknown) => {
            if (!(e instanceof KioskExited)) throw e;
          });
          expect(await crashing.exited, `kiosk should have died at write ${n}`).toBe(128 + 9);

          const restarted = KioskScreen.start(config);
          const takeAtGate = setInterval(() => {
            void stack.card.control('state').then((s) => (s.cardAt === 'gate' ? stack.card.control('take') : undefined));
          }, 300);
          try {
            await restarted.waitFor('请插入就诊卡', 90_000);
          } finally {
            clearInterval(takeAtGate);
          }
          await restarted.stop();

          const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
          expect(verify.code, `journal verify after crash at write ${n}: ${verify.stdout}`).toBe(0);
          expect((JSON.parse(verify.stdout) as { open: { count: number } }).open.count).toBe(0);
          const j = journal(stack.journalFile);
          const bills = await stack.hisBills();
          const paid = bills.every((b) => b.paid);
          if (paid) expect(j.applied, `crash at ${n}: bills paid but the journal applied ${j.applied}`).toBe(totalFen);
          else {
            expect(bills.some((b) => b.paid), `crash at ${n}: bills half paid`).toBe(false);
            expect(j.applied).toBe(0);
            expect(j.collected, `crash at ${n}: collected money neither refunded nor pending`).toBe(j.refunded + j.pending);
          }
        } finally {
          await stack.stop({ keepBroker: true });
        }
      }
    } finally {
      await broker.stop();
    }
  });
});
