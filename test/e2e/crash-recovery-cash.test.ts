import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { crashAfterEveryWrite, toPayment } from '../helpers/journeys.ts';
import type { KioskScreen } from '../helpers/kiosk-terminal.ts';
import type { Stack } from '../helpers/stack.ts';

/**
 * The cash journey with the kiosk killed right after each of its journal writes in turn, then
 * restarted (DESIGN.md §8). Every time: the notes in the acceptor's cash box are exactly the cash
 * the journal collected, and the bills are paid with that cash, or unpaid with it owed on a voucher.
 */
const NOTE = 10_000;

async function journey(stack: Stack, kiosk: KioskScreen): Promise<void> {
  const totalFen = stack.patient.bills.reduce((s, b) => s + b.amountFen, 0);
  await toPayment(stack, kiosk, stack.patient.cardNo, totalFen, '2');
  await kiosk.waitFor('请投入纸币');
  for (let i = 0; i < Math.ceil(totalFen / NOTE); i++) {
    // The note is stacked, or the kiosk died and the unit returns it from escrow.
    if ((await stack.feedNote(NOTE, kiosk.exited)) === 'gone') break;
  }
  await kiosk.waitFor('请取走', 60_000);
  await stack.card.control('take');
  await kiosk.waitFor('请插入就诊卡');
}

function collectedFen(file: string): number {
  const db = new Database(file, { readonly: true });
  const fen = (db.prepare('SELECT coalesce(sum(collected), 0) AS f FROM txns').get() as { f: number }).f;
  db.close();
  return fen;
}

describe('crash after every journal write of a cash payment, then recovery', () => {
  it('never loses a note, never pays twice, always explains', { timeout: 900_000 }, async () => {
    await crashAfterEveryWrite('cash', 8, { cash: true }, journey, async ({ stack, n, printedBefore, report }) => {
      const totalFen = stack.patient.bills.reduce((s, b) => s + b.amountFen, 0);
      // The acceptor's own count of its cash box against the journal's collected cash.
      const unit = (await stack.cash!.control('state')) as { cashbox: { fen: number } };
      const collected = collectedFen(stack.journalFile);
      expect(unit.cashbox.fen, `crash at ${n}: cash box and journal disagree`).toBe(collected);

      const bills = await stack.hisBills();
      const paid = bills.every((b) => b.paid);
      if (!paid) expect(bills.some((b) => b.paid), `crash at ${n}: bills half paid`).toBe(false);
      if (paid) expect(collected, `crash at ${n}: paid without the cash`).toBeGreaterThanOrEqual(totalFen);
      if (report.txns > 0 && collected > 0) expect(stack.printer.events('receipt').length, `crash at ${n}: nothing printed to explain`).toBeGreaterThan(printedBefore - (paid ? 1 : 0));
    });
  });
});
