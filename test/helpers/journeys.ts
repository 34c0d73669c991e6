import { expect } from 'vitest';
import { freePort, startBroker } from '../../central/broker/mosquitto.ts';
import { formatYuan } from '../../contract/money.ts';
import { KioskExited, KioskScreen } from './kiosk-terminal.ts';
import { runZizhu } from './processes.ts';
import { Stack } from './stack.ts';

/**
 * A patient inserts their card, opens the bills, confirms, and (when the kiosk offers more than
 * one method) picks one on `methodKey`. The steps every payment journey starts with.
 */
export async function toPayment(stack: Stack, kiosk: KioskScreen, cardNo: string, totalFen: number, methodKey?: string): Promise<void> {
  await kiosk.waitFor('请插入就诊卡', 90_000);
  await stack.card.control(`insert ${cardNo}`);
  await kiosk.waitFor(formatYuan(totalFen));
  kiosk.press('1'); // pay
  await kiosk.waitFor('确认');
  kiosk.press('1'); // confirm
  if (methodKey === undefined) return;
  await kiosk.waitFor('请选择支付方式');
  kiosk.press(methodKey);
}

export interface CrashRun {
  stack: Stack;
  /** Which write the kiosk was killed after. */
  n: number;
  /** Receipts and slips printed before the restarted kiosk's recovery. */
  printedBefore: number;
  /** `journal verify --json` of the recovered kiosk. */
  report: { txns: number; open: { count: number } };
}

/**
 * DESIGN.md §8's crash test: a clean run of `journey` counts the kiosk's journal writes N; then,
 * for n = 1..N, a fresh stack runs the journey with the kiosk killed right after its n-th write
 * (ZIZHU_CRASH_AFTER_JOURNAL), the kiosk restarts against the same simulators, which outlive it,
 * and recovers. Every time the journal must verify with nothing open; `check` asserts the rest
 * from the other records (the HIS, the bank module, the cash box).
 */
export async function crashAfterEveryWrite(
  label: string,
  /** The clean journey must make more writes than this, or the test proves little. */
  minWrites: number,
  stackOptions: Parameters<typeof Stack.start>[0],
  journey: (stack: Stack, kiosk: KioskScreen, n: number) => Promise<void>,
  check: (run: CrashRun) => Promise<void>,
): Promise<void> {
  const broker = await startBroker({ port: await freePort() });
  try {
    const clean = await Stack.start({ ...stackOptions, broker });
    const k0 = KioskScreen.start(clean.kioskConfig());
    await journey(clean, k0, 0);
    await k0.stop();
    const writes = (await verify(clean)).events;
    await clean.stop({ keepBroker: true });
    expect(writes).toBeGreaterThan(minWrites);
    console.info(`crash test (${label}): the journey makes ${writes} journal writes; the kiosk is killed after each`);

    for (let n = 1; n <= writes; n++) {
      const stack = await Stack.start({ ...stackOptions, broker });
      try {
        const config = stack.kioskConfig();
        const crashing = KioskScreen.start(config, { ZIZHU_CRASH_AFTER_JOURNAL: String(n) });
        await journey(stack, crashing, n).catch((e: unknown) => {
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
          await restarted.waitFor('请插入就诊卡', 90_000);
        } finally {
          clearInterval(takeAtGate);
        }
        await restarted.stop();
        expect((await stack.card.control('state')).cardAt, `crash at ${n}: card left in the reader`).not.toBe('reader');

        const report = await verify(stack, n);
        expect(report.open.count, `crash at ${n}: transactions left open`).toBe(0);
        await check({ stack, n, printedBefore, report });
      } finally {
        await stack.stop({ keepBroker: true });
      }
    }
  } finally {
    await broker.stop();
  }
}

async function verify(stack: Stack, n?: number): Promise<{ events: number; txns: number; open: { count: number } }> {
  const run = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
  expect(run.code, `journal verify${n === undefined ? '' : ` after crash at write ${n}`}: ${run.stdout}`).toBe(0);
  return JSON.parse(run.stdout) as { events: number; txns: number; open: { count: number } };
}
