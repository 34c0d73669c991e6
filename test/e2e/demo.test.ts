import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';

/** The keys an xterm sends for the demo's function keys. */
const keys = { F2: '\x1bOQ', F3: '\x1bOR', F5: '\x1b[15~' };

/**
 * The README's quick start is the truth: `zizhu demo` (what `./scripts/demo` runs) brings up the
 * broker, the bridge with the simulated hospital and every device simulator, and a kiosk in this
 * terminal; a patient pays a bill by card with the demo keys; Ctrl-C stops it all and leaves
 * nothing running.
 */
describe('the demo of the quick start', () => {
  let demo: KioskScreen | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs everything in one command, takes a card payment with the demo keys, and stops cleanly on Ctrl-C', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-demo-'));
    demo = KioskScreen.run(['demo', '--data', dir], {}, 80, 24);
    await demo.waitFor('请插入就诊卡', 90_000);
    expect(demo.text()).toContain('F2');
    demo.press(keys.F2); // the first fixture patient's card
    await demo.waitFor('请选择服务');
    demo.press('1'); // pay bills
    await demo.waitFor('合计');
    demo.press('1'); // pay
    await demo.waitFor('自费缴费');
    demo.press('1'); // pay myself
    await demo.waitFor('请选择支付方式');
    demo.press('1'); // bank card
    await demo.waitFor('银行卡终端');
    demo.press(keys.F3); // the bank approves
    await demo.waitFor('请取走您的就诊卡', 60_000);
    demo.press(keys.F5); // take the card
    await demo.waitFor('请插入就诊卡', 30_000);
    // What the printer simulator printed stays in the demo's folder, as the README says.
    expect(fs.readFileSync(path.join(dir, 'printer.jsonl'), 'utf8')).toMatch(/"event":"receipt"/);

    demo.press('\x03');
    expect(await demo.exited).toBe(0);
    // Broker, bridge and simulators went with it.
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(dir!));
    expect(left).toEqual([]);
  }, 180_000);
});
