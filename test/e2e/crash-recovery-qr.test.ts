import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { crashAfterEveryWrite, toPayment } from '../helpers/journeys.ts';
import type { KioskScreen } from '../helpers/kiosk-terminal.ts';
import type { Stack } from '../helpers/stack.ts';

/**
 * The QR journey with the kiosk killed right after each of its journal writes in turn, then
 * restarted (DESIGN.md §8). The code went to central, which may have collected it whatever the
 * kiosk last wrote, so recovery must ask central, never assume nothing was paid. Every time: the
 * bills are paid and the kiosk's journal applied the money, or they are unpaid and whatever was
 * collected is refunded or PENDING.
 */
async function journey(stack: Stack, kiosk: KioskScreen, n: number): Promise<void> {
  await toPayment(stack, kiosk, stack.patient.cardNo, stack.patient.bills.reduce((s, b) => s + b.amountFen, 0), '2');
  await kiosk.waitFor('付款码');
  // Each run its own code: a WeChat code pays one order only.
  await stack.scanner!.control(`scan 1355555555555555${String(n).padStart(2, '0')}`);
  await kiosk.waitFor('请取走', 60_000);
  await stack.card.control('take');
  await kiosk.waitFor('请插入就诊卡');
}

function money(file: string): { collected: number; applied: number; refunded: number; pending: number } {
  const db = new Database(file, { readonly: true });
  const sums = db.prepare('SELECT coalesce(sum(collected),0) AS collected, coalesce(sum(applied),0) AS applied, coalesce(sum(refunded),0) AS refunded, coalesce(sum(pending),0) AS pending FROM txns').get() as { collected: number; applied: number; refunded: number; pending: number };
  db.close();
  return sums;
}

describe('crash after every journal write of a QR payment, then recovery', () => {
  it('asks central, never pays twice, never loses a payment', { timeout: 900_000 }, async () => {
    await crashAfterEveryWrite('qr', 6, { scanner: true }, journey, async ({ stack, n }) => {
      const totalFen = stack.patient.bills.reduce((s, b) => s + b.amountFen, 0);
      const j = money(stack.journalFile);
      const bills = await stack.hisBills();
      const paid = bills.every((b) => b.paid);
      if (paid) expect(j.applied, `crash at ${n}: bills paid but the journal applied ${j.applied}`).toBe(totalFen);
      else {
        expect(bills.some((b) => b.paid), `crash at ${n}: bills half paid`).toBe(false);
        expect(j.applied).toBe(0);
        expect(j.collected, `crash at ${n}: collected money neither refunded nor pending`).toBe(j.refunded + j.pending);
      }
    });
  });
});
