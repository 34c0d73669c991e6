import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { formatYuan } from '../../contract/money.ts';
import { hashPin } from '../../runtime/staff.ts';
import { toPayment } from '../helpers/journeys.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { runZizhu } from '../helpers/processes.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * Staff maintenance mode end to end: a staff card and PIN open it, the cash box is cleared against
 * the journal's count with a printed slip, the kiosk goes out of service and back, and every
 * action is a journal fact.
 */
const STAFF_CARD = '900000000007';

describe('staff maintenance mode', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  async function login(k: KioskScreen, s: Stack, pin: string) {
    await s.card.control(`insert ${STAFF_CARD}`);
    await k.waitFor('请输入密码');
    k.press(pin);
    k.press('\r');
  }

  async function logout(k: KioskScreen, s: Stack) {
    k.press('0');
    await k.waitFor('请取走');
    await s.card.control('take');
    await k.waitFor('请插入就诊卡');
  }

  it('clears the cash box against the journal, takes the kiosk out of service and back, and journals it all', async () => {
    stack = await Stack.start({ cash: true });
    const totalFen = stack.patient.bills.reduce((s, b) => s + b.amountFen, 0);
    kiosk = KioskScreen.start(stack.kioskConfig({ staff: [{ staffId: 'S-007', cardNo: STAFF_CARD, pin: hashPin('2468') }] }));

    // A patient pays in cash first, so the box holds notes.
    await toPayment(stack, kiosk, stack.patient.cardNo, totalFen, '2');
    await kiosk.waitFor('请投入纸币');
    const notes = Math.ceil(totalFen / 10_000);
    for (let i = 0; i < notes; i++) {
      expect(await stack.feedNote(10_000)).toBe('stacked');
    }
    await kiosk.waitFor('请取走');
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    // A wrong PIN first, then the right one.
    await login(kiosk, stack, '1111');
    await kiosk.waitFor('还可尝试 2 次');
    kiosk.press('2468');
    kiosk.press('\r');
    await kiosk.waitFor('维护模式');

    kiosk.press('2');
    await kiosk.waitFor(`100.00 x ${notes} = ${formatYuan(notes * 10_000)}`);
    const printed = stack.printer.lines.length;
    kiosk.press('1'); // counted: matches
    const slip = await stack.printer.find((l) => l.event === 'receipt' && (l.lines as string[]).some((x) => x.includes('钱箱清点单')), printed);
    const slipText = (slip.lines as string[]).join('\n');
    expect(slipText).toContain(formatYuan(notes * 10_000));
    expect(slipText).toContain('S-007');
    await kiosk.waitFor('钱箱已清点');

    kiosk.press('1'); // out of service
    await kiosk.waitFor('本机已暂停服务');
    await logout(kiosk, stack);
    await kiosk.waitFor('本机维护中');

    await login(kiosk, stack, '2468');
    await kiosk.waitFor('维护模式');
    kiosk.press('1'); // back in service
    await kiosk.waitFor('已恢复服务');
    kiosk.press('7'); // self-test
    await kiosk.waitFor(/printer online/);
    await logout(kiosk, stack);
    await kiosk.stop();

    const db = new Database(stack.journalFile, { readonly: true });
    const types = (db.prepare('SELECT type FROM events ORDER BY seq').all() as { type: string }[]).map((r) => r.type);
    const units = db.prepare('SELECT count(*) AS n FROM cash_units').get() as { n: number };
    const events = db.prepare('SELECT data FROM events').all() as { data: string }[];
    db.close();
    expect(types.filter((t) => t === 'staff.login.failed')).toHaveLength(1);
    expect(types.filter((t) => t === 'staff.login')).toHaveLength(2);
    expect(types).toContain('cashbox.cleared');
    expect(types.filter((t) => t === 'staff.service')).toHaveLength(2);
    expect(types).toContain('staff.selftest');
    expect(units.n).toBe(0);
    // The PIN itself is never written anywhere.
    expect(events.some((e) => e.data.includes('2468') || e.data.includes('1111'))).toBe(false);
    const verify = await runZizhu(['journal', 'verify', '--db', stack.journalFile, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
  });
});
