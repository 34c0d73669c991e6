import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { activeAlarmsSchema, alarmEventSchema, heartbeatSchema, kioskStateSchema, type AlarmEvent, type KioskState } from '../../contract/fleet.ts';
import { topics } from '../../contract/topics.ts';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * What operations see of a kiosk from day one (issue 4 item 7): the retained state snapshot, the
 * heartbeat, and alarms raised and cleared as the devices change, read from the real broker; and
 * the patient's screen saying why payment is off.
 */
describe('the kiosk reports its state and alarms to operations', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  let console_: mqtt.MqttClient | undefined;
  afterEach(async () => {
    await console_?.endAsync();
    await kiosk?.stop();
    await stack?.stop();
  });

  it('publishes state, heartbeat and alarms; paper out turns payment off on screen and back on when refilled', async () => {
    stack = await Stack.start();
    const kid = 'E2E-001';
    const seen = { states: [] as KioskState[], alarms: [] as AlarmEvent[], active: [] as string[][], hb: 0 };
    console_ = await mqtt.connectAsync(stack.broker.url, { protocolVersion: 5, clientId: 'console-test' });
    console_.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString()) as unknown;
      if (topic === topics.state(kid)) seen.states.push(kioskStateSchema.parse(body));
      else if (topic === topics.alarm(kid)) seen.alarms.push(alarmEventSchema.parse(body));
      else if (topic === topics.alarmsActive(kid)) seen.active.push(activeAlarmsSchema.parse(body).alarms.map((a) => a.alarmId));
      else if (topic === topics.hb(kid)) seen.hb += heartbeatSchema.safeParse(body).success ? 1 : 0;
    });
    await console_.subscribeAsync([topics.state(kid), topics.alarm(kid), topics.alarmsActive(kid), topics.hb(kid)], { qos: 1 });

    kiosk = KioskScreen.start(stack.kioskConfig({ fleet: { healthPollMs: 500, heartbeatMs: 1000 } }));
    await kiosk.waitFor('请插入就诊卡');
    await until(() => seen.states.some((s) => s.availability.money && s.devices.printer?.status === 'online'));
    const ready = seen.states.at(-1)!;
    expect(Object.keys(ready.devices).sort()).toEqual(['card', 'pos', 'printer']);
    expect(ready.central.online).toBe(true);
    expect(ready.versions.zizhu).toMatch(/^\d+\.\d+\.\d+/);

    await stack.printer.control('paper out');
    await until(() => seen.alarms.some((a) => a.alarmId === 'printer.paperOut' && a.state === 'raised'));
    await until(() => seen.active.some((ids) => ids.includes('printer.paperOut')));
    await until(() => seen.states.some((s) => !s.availability.money && s.availability.blocks.includes('printerPaper')));
    await kiosk.waitFor('凭条打印机缺纸');
    expect(seen.alarms.find((a) => a.alarmId === 'printer.paperOut')).toMatchObject({ severity: 'critical', device: 'printer', kid });

    await stack.printer.control('paper ok');
    await until(() => seen.alarms.some((a) => a.alarmId === 'printer.paperOut' && a.state === 'cleared'));
    await until(() => seen.active.at(-1)?.includes('printer.paperOut') === false);
    await until(() => seen.states.at(-1)?.availability.money === true);
    // Raised once and cleared once, however many polls saw the same paper.
    expect(seen.alarms.filter((a) => a.alarmId === 'printer.paperOut').map((a) => a.state)).toEqual(['raised', 'cleared']);
    await until(() => seen.hb >= 2);

    // A patient presses * (call staff): one alarm naming the screen, and the footer says help is coming.
    kiosk.press('*');
    await kiosk.waitFor('已呼叫工作人员');
    await until(() => seen.alarms.some((a) => a.alarmId === 'staff.called' && a.state === 'raised'));
    expect(seen.alarms.find((a) => a.alarmId === 'staff.called')?.detail).toMatchObject({ screen: 'attract' });

    // A console that connects later gets the retained snapshot and alarm set at once.
    const late = await mqtt.connectAsync(stack.broker.url, { protocolVersion: 5, clientId: 'console-late' });
    const retained = new Promise<KioskState>((resolve) => late.on('message', (t, p) => t === topics.state(kid) && resolve(kioskStateSchema.parse(JSON.parse(p.toString())))));
    await late.subscribeAsync(topics.state(kid), { qos: 1 });
    expect((await retained).kid).toBe(kid);
    await late.endAsync();
  });
});

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
