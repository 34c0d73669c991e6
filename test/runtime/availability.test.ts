import { describe, expect, it } from 'vitest';
import type { DeviceSnapshot } from '../../contract/fleet.ts';
import { alarmConditions, AlarmSet, alarmCondition } from '../../runtime/alarms.ts';
import { availability } from '../../runtime/availability.ts';

const healthy: Record<string, DeviceSnapshot> = {
  printer: { status: 'online', paper: 'ok' },
  pos: { status: 'online' },
  card: { status: 'online', cardAt: 'none', stacker: 'full', bin: 'ok' },
  cash: { status: 'online', cashbox: 'ok' },
  scanner: { status: 'online' },
};
const all = ['card', 'qr', 'cash', 'insurance'] as const;

describe('when money may move (DESIGN.md §5)', () => {
  it('is on with central up, paper in, and a working device for a configured method', () => {
    expect(availability({ devices: healthy, centralOnline: true, methods: ['card'] })).toEqual({
      money: true,
      blocks: [],
      methods: { card: 'ok', qr: 'notConfigured', cash: 'notConfigured', insurance: 'notConfigured' },
    });
  });

  it('is off for everyone when central is down or the receipt printer cannot print, and says why', () => {
    expect(availability({ devices: healthy, centralOnline: false, methods: all })).toMatchObject({ money: false, blocks: ['central'] });
    const noPaper = { ...healthy, printer: { status: 'userError' as const, paper: 'out' } };
    expect(availability({ devices: noPaper, centralOnline: true, methods: all })).toMatchObject({ money: false, blocks: ['printerPaper'] });
    const broken = { ...healthy, printer: { status: 'hardwareError' as const, paper: 'ok' } };
    expect(availability({ devices: broken, centralOnline: false, methods: all })).toMatchObject({ money: false, blocks: ['central', 'printer'] });
    const unpolled = { ...healthy, printer: undefined };
    expect(availability({ devices: unpolled, centralOnline: true, methods: all }).blocks).toEqual(['printer']);
  });

  it('drops one method with its reason while the others stay', () => {
    const devices = { ...healthy, pos: { status: 'offline' as const }, cash: { status: 'online' as const, cashbox: 'full' } };
    const a = availability({ devices, centralOnline: true, methods: all });
    expect(a.money).toBe(true);
    expect(a.methods).toEqual({ card: 'deviceDown', qr: 'ok', cash: 'cashboxFull', insurance: 'ok' });
  });

  it('is off when no configured method works, and in maintenance', () => {
    expect(availability({ devices: { ...healthy, pos: { status: 'busy' } }, centralOnline: true, methods: ['card'] }).money).toBe(true);
    expect(availability({ devices: { ...healthy, pos: { status: 'offline' } }, centralOnline: true, methods: ['card'] })).toMatchObject({ money: false, blocks: [] });
    expect(availability({ devices: healthy, centralOnline: true, methods: ['card'], maintenance: true })).toMatchObject({ money: false, blocks: ['maintenance'] });
  });
});

describe('alarms from device statuses', () => {
  it('names each condition once with its severity', () => {
    const devices = {
      ...healthy,
      printer: { status: 'userError' as const, paper: 'out' },
      card: { status: 'online' as const, stacker: 'low', bin: 'full' },
      cash: { status: 'online' as const, cashbox: 'nearlyFull' },
      pos: { status: 'offline' as const, error: 'TIMEOUT' },
    };
    const ids = alarmConditions(devices, false).map((c) => `${c.alarmId}/${c.severity}`);
    expect(ids.sort()).toEqual(['card.binFull/major', 'card.stackerLow/minor', 'cash.boxNearlyFull/minor', 'central.down/critical', 'device.offline:pos/major', 'printer.paperOut/critical'].sort());
    expect(alarmConditions(healthy, true)).toEqual([]);
  });

  it('raises a condition once, clears it once, and keeps a hand-raised alarm until cleared by hand', () => {
    const set = new AlarmSet();
    const paperOut = alarmConditions({ printer: { status: 'userError', paper: 'out' } }, true);
    expect(set.update(paperOut, 1).raised.map((a) => a.alarmId)).toEqual(['printer.paperOut']);
    expect(set.update(paperOut, 2)).toEqual({ raised: [], cleared: [] });
    expect(set.raise(alarmCondition('staff.called', undefined, { screen: 'bills.list' }), 3)?.alarmId).toBe('staff.called');
    const after = set.update([], 4);
    expect(after.cleared.map((a) => a.alarmId)).toEqual(['printer.paperOut']);
    expect(after.cleared[0]!.since).toBe(1);
    expect(set.list().map((a) => a.alarmId)).toEqual(['staff.called']);
    expect(set.clear('staff.called')?.alarmId).toBe('staff.called');
    expect(set.list()).toEqual([]);
  });
});
