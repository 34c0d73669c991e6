import { describe, expect, it } from 'vitest';
import { scaled, timeScale, TimeScaleError } from '../../contract/time-scale.ts';
import { atTimeScale, exampleConfig } from '../../runtime/config.ts';
import { runZizhu } from '../helpers/processes.ts';

describe('time scale (DESIGN.md §8 "Time")', () => {
  it('is 1 when ZIZHU_TIME_SCALE is not set, and the number it names otherwise', () => {
    expect(timeScale({})).toBe(1);
    expect(timeScale({ ZIZHU_TIME_SCALE: '30' })).toBe(30);
    expect(timeScale({ ZIZHU_TIME_SCALE: '0.5' })).toBe(0.5);
    expect(timeScale({ ZIZHU_TIME_SCALE: '2.' })).toBe(2);
  });

  it('refuses anything but a positive number, naming the variable', () => {
    for (const bad of ['', '0', '0.0', '-2', 'abc', '1e3', '0x10', ' 30', 'Infinity', '30x']) {
      expect(() => timeScale({ ZIZHU_TIME_SCALE: bad }), bad).toThrow(TimeScaleError);
      expect(() => timeScale({ ZIZHU_TIME_SCALE: bad }), bad).toThrow(/ZIZHU_TIME_SCALE must be a positive number/);
    }
  });

  it('shortens a duration by the scale, never below 1 ms, and leaves it alone at 1', () => {
    expect(scaled(60_000, 30)).toBe(2000);
    expect(scaled(45_000, 1000)).toBe(45);
    expect(scaled(10, 1000)).toBe(1);
    expect(scaled(1000, 0.5)).toBe(2000);
    for (const ms of [1, 300, 3000, 60_000, 7 * 86_400_000]) expect(scaled(ms, 1)).toBe(ms);
  });

  it('reaches every kiosk timeout and fleet interval, and nothing else of the config', () => {
    const config = exampleConfig();
    const fast = atTimeScale(config, 30);
    expect(fast.timeouts).toEqual({ choiceMs: 2000, takeCardMs: 1000, goodbyeMs: 100, rpcMs: 500, saleMs: 4000, settleDeadlineMs: 2000 });
    expect(fast.fleet).toEqual({ healthPollMs: 333, heartbeatMs: 1000 });
    expect({ ...fast, timeouts: config.timeouts, fleet: config.fleet }).toEqual(config);
    expect(atTimeScale(config, 1)).toEqual(config);
  });

  it('stops a process at startup with a usage error when the scale is wrong', async () => {
    const r = await runZizhu(['kiosk', '--example-config'], { ZIZHU_TIME_SCALE: 'fast' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ZIZHU_TIME_SCALE must be a positive number');
    expect(r.stdout).toBe('');
    const ok = await runZizhu(['kiosk', '--example-config'], { ZIZHU_TIME_SCALE: '30' });
    expect(ok.code).toBe(0);
  });
});
