import path from 'node:path';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HisSimulator, slotLockTtlMs } from '../../central/his/index.ts';
import { addDays } from '../../central/his/sim/time.ts';
import { hospitalToday } from '../../runtime/flows/register.ts';
import { card, Kiosk } from '../central/bridge/harness.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * One time scale reaches every process (DESIGN.md §8 "Time"): the kiosk and the bridge (with the
 * simulated HIS in its process) run with ZIZHU_TIME_SCALE=40 and PRODUCTION-length durations, and
 * a minute's countdown or a 10-minute slot lock passes in seconds of real time.
 */
const SCALE = 40;
const env = { ZIZHU_TIME_SCALE: String(SCALE) };

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start({ env });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe('time scale, end to end', () => {
  it('a 60-second menu countdown ends in about 1.5 s of real time', async () => {
    const config = stack.kioskConfig({
      // Production values, as /etc/zizhu/kiosk.json holds them, except rpcMs: a minute (1.5 s at
      // this scale) rather than 15 s (0.4 s), so a busy CI machine's slow answer is not a failure.
      timeouts: { choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000, rpcMs: 60_000, saleMs: 120_000, settleDeadlineMs: 60_000 },
      fleet: { healthPollMs: 10_000, heartbeatMs: 30_000 },
      flows: ['bills', 'register'],
    });
    const kiosk = KioskScreen.start(config, env);
    try {
      await kiosk.waitFor('请插入就诊卡', 90_000);
      await stack.card.control(`insert ${stack.patient.cardNo}`);
      await kiosk.waitFor('请选择服务');
      const shownAt = Date.now();
      // The countdown on screen is already the scaled one: 1.5 s rounds up to 2.
      expect(kiosk.text()).toMatch(/剩余 [12] 秒/);
      while (kiosk.text().includes('请选择服务')) {
        if (Date.now() - shownAt > 20_000) throw new Error(`the menu is still up after 20 s:\n${kiosk.text()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const shownMs = Date.now() - shownAt;
      console.info(`menu countdown of 60 s at scale ${SCALE}: left after ${shownMs} ms`);
      expect(shownMs).toBeGreaterThanOrEqual(1000);
      expect(shownMs).toBeLessThan(10_000);
      // It left as a timeout leaves: the patient's card comes back.
      await kiosk.waitFor('请取走您的就诊卡');
    } finally {
      await kiosk.stop();
    }
  }, 120_000);

  it('a 10-minute slot lock at the HIS expires in about 15 s, and the confirm is refused LOCK_EXPIRED', async () => {
    const patient = stack.patients[1]!;
    const his = HisSimulator.open(path.join(stack.dir, 'his'));
    const { slots } = await his.querySchedule({ date: addDays(hospitalToday(), 1) }).finally(() => his.close());
    const slot = slots.find((s) => s.remaining > 0)!;
    const kiosk = await Kiosk.connect(stack.broker.url, 'E2E-TIME');
    try {
      const txnId = ulid();
      const lockedAt = Date.now();
      const lock = await kiosk.call<{ lockId: string; feeFen: number; expiresAt: string }>('slot.lock', { slotId: slot.slotId, patientId: patient.patientId }, { txnId });
      expect(lock.status).toBe('OK');
      const lifeMs = Date.parse(lock.data!.expiresAt) - lockedAt;
      const expectedMs = slotLockTtlMs / SCALE;
      console.info(`slot lock of ${slotLockTtlMs} ms at scale ${SCALE}: expires ${lifeMs} ms after the request`);
      // expiresAt is to the second; the request itself takes a little.
      expect(lifeMs).toBeGreaterThan(expectedMs - 1500);
      expect(lifeMs).toBeLessThan(expectedMs + 1500);
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(lock.data!.expiresAt) + 1000 - Date.now())));
      const confirm = await kiosk.call('register.confirm', { lockId: lock.data!.lockId, patientId: patient.patientId, payment: card(lock.data!.feeFen, '512345679901') }, { txnId });
      // A definite refusal: the HIS let the number go, so the card's money is to be given back.
      expect(confirm).toMatchObject({ status: 'FAILED', code: 'LOCK_EXPIRED' });
    } finally {
      await kiosk.close();
    }
  }, 60_000);
});
