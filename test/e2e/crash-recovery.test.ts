import { describe, expect, it } from 'vitest';
import { crashAfterEveryWrite, toPayment } from '../helpers/journeys.ts';
import type { KioskScreen } from '../helpers/kiosk-terminal.ts';
import type { Stack } from '../helpers/stack.ts';

/**
 * The card journey with the kiosk killed right after each of its journal writes in turn and
 * restarted against the same simulators. Every time: the bill is paid exactly once, or not paid
 * with any sale voided on the payment module's own ledger; a slip or receipt explains it.
 */
async function journey(stack: Stack, kiosk: KioskScreen): Promise<void> {
  await stack.pos.control('auto approve 100');
  await toPayment(stack, kiosk, stack.patient.cardNo, stack.patient.bills.reduce((s, b) => s + b.amountFen, 0));
  await kiosk.waitFor('请取走', 60_000);
  await stack.card.control('take');
  await kiosk.waitFor('请插入就诊卡');
}

describe('crash after every journal write, then recovery', () => {
  it('never pays twice, never loses a sale, always explains', { timeout: 900_000 }, async () => {
    await crashAfterEveryWrite('card', 8, {}, journey, async ({ stack, n, printedBefore, report }) => {
      const ledger = await stack.posLedger();
      const kept = ledger.records.filter((r) => r.transType !== 'void' && r.approved && !r.voided);
      const bills = await stack.hisBills();
      const paid = bills.every((b) => b.paid);
      if (paid) expect(kept, `crash at ${n}: paid bill needs exactly one kept sale`).toHaveLength(1);
      else {
        expect(bills.some((b) => b.paid), `crash at ${n}: bills half paid`).toBe(false);
        expect(kept, `crash at ${n}: unpaid bill but a sale was kept`).toHaveLength(0);
      }
      if (report.txns > 0) expect(stack.printer.events('receipt').length, `crash at ${n}: nothing printed to explain`).toBeGreaterThan(printedBefore - (paid ? 1 : 0));
    });
  });
});
