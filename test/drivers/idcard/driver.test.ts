import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { openSerial, type ByteTransport } from '../../../drivers/core/serial-transport.ts';
import { startSimulator } from '../../../drivers/core/simulator-host.ts';
import type { SimulatorEvent } from '../../../drivers/core/simulator.ts';
import { COMMANDS, FrameParser, encodeCommand, encodeRequest, type ParsedItem } from '../../../drivers/idcard/codec.ts';
import { IdCardReader, type IdCardReaderOptions } from '../../../drivers/idcard/driver.ts';
import { IdCardReaderSimulator, idCardProfiles, photoOf, type IdCardReaderSimulatorOptions } from '../../../drivers/idcard/simulator.ts';

/** Real driver, real simulator, real pseudo-terminal between them (DESIGN.md §8). */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Keeps what the driver writes (as parsed requests) and how many chunks it was sent. */
function recording(transport: ByteTransport) {
  const parser = new FrameParser('request');
  const requests: string[] = [];
  const received: Buffer[] = [];
  const names = Object.keys(COMMANDS) as (keyof typeof COMMANDS)[];
  return {
    requests,
    received,
    transport: {
      get isOpen() {
        return transport.isOpen;
      },
      write: (bytes: Uint8Array) => {
        for (const item of parser.push(bytes)) {
          if (item.kind === 'request') requests.push(names.find((n) => COMMANDS[n].cmd === item.cmd && COMMANDS[n].para === item.para) ?? '?');
        }
        return transport.write(bytes);
      },
      onData: (listener: (chunk: Buffer) => void) =>
        transport.onData((chunk) => {
          received.push(chunk);
          listener(chunk);
        }),
      onClose: (listener: (error?: Error) => void) => transport.onClose(listener),
      close: () => transport.close(),
    } satisfies ByteTransport,
  };
}

async function setup(simOptions: IdCardReaderSimulatorOptions = {}, driverOptions: IdCardReaderOptions = {}) {
  const running = await startSimulator(new IdCardReaderSimulator(simOptions));
  cleanups.push(() => running.close());
  const { transport, requests, received } = recording(await openSerial(running.port, { baudRate: 115_200 }));
  const reader = new IdCardReader(transport, { commandTimeoutMs: 300, readTimeoutMs: 500, pollMs: 20, ...driverOptions });
  cleanups.push(() => reader.close());
  const events: SimulatorEvent[] = [];
  running.onEvent((e) => events.push(e));
  const control = (line: string) => {
    const reply = running.control(line);
    expect(reply, line).toMatchObject({ ok: true });
    return reply;
  };
  return { reader, control, events, requests, received, running };
}

async function rejection(work: Promise<unknown>): Promise<DeviceError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeviceError);
  return error as DeviceError;
}

const signal = () => AbortSignal.timeout(10_000);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('IdCardReader against the SAM simulator over a pty', () => {
  it('opens by path, resets the SAM and reports status with the SAM id', async () => {
    const running = await startSimulator(new IdCardReaderSimulator({ samId: '05.01-20231130-0000000042-1234567890' }));
    cleanups.push(() => running.close());
    const reader = await IdCardReader.open(running.port);
    cleanups.push(() => reader.close());

    await reader.reset();
    expect(await reader.samStatus()).toEqual({ status: 'online', samId: '05.01-20231130-0000000042-1234567890' });
  });

  it('reads a card: find, select, read base info, with 喆 in the name and the photo untouched', async () => {
    const { reader, control, requests, events } = await setup();
    control('place wang-zhe');
    const card = await reader.readWithPhoto({ signal: signal() });
    expect(card.identity).toEqual(idCardProfiles['wang-zhe']);
    expect(card.identity.name).toBe('王喆');
    expect(card.photo).toEqual(photoOf('wang-zhe'));
    expect(requests).toEqual(['findCard', 'selectCard', 'readBase']);
    expect(events).toEqual([
      { event: 'idcard', action: 'placed', profile: 'wang-zhe' },
      { event: 'idcard', action: 'read', profile: 'wang-zhe' },
    ]);
  });

  it('reads 堃, a non-汉 nation, a female holder with an X check digit and a long-term card', async () => {
    const { reader, control } = await setup();
    for (const profile of ['zhao-kun', 'chen-jing', 'ouyang-ming']) {
      control(`place ${profile}`);
      expect(await reader.read({ signal: signal() })).toEqual(idCardProfiles[profile]);
      control('remove');
    }
    expect(idCardProfiles['zhao-kun']).toMatchObject({ name: '赵堃', nation: '满', nationCode: '11' });
    expect(idCardProfiles['chen-jing']).toMatchObject({ sex: 'female', idNumber: '33010519930717086X' });
    expect(idCardProfiles['ouyang-ming']).toMatchObject({ validTo: 'long-term' });
  });

  it('waits for a card placed while it polls', async () => {
    const { reader, control, requests } = await setup();
    const reading = reader.read({ signal: signal(), timeoutMs: 3_000 });
    await delay(100);
    control('place zhao-kun');
    expect((await reading).name).toBe('赵堃');
    expect(requests.filter((r) => r === 'findCard').length).toBeGreaterThan(1);
  });

  it('waits for a card with no deadline but the signal (the kiosk idle wait), skipping the card already read', async () => {
    const { reader, control } = await setup();
    control('place chen-jing');
    await reader.read({ signal: signal() });
    const waiting = reader.waitForCard({ signal: signal() });
    await delay(100);
    control('remove');
    control('place wang-zhe');
    expect((await waiting).idNumber).toBe('330102198901050138');
  });

  it('reports an empty field as NO_CARD once the wait is over', async () => {
    const { reader } = await setup();
    const error = await rejection(reader.read({ signal: signal(), timeoutMs: 100 }));
    expect(error.code).toBe('NO_CARD');
    expect(error.message).toMatch(/^no ID card in the field within 100 ms/);
    expect(error.detail).toMatchObject({ command: 'findCard', sw3: '80', afterRead: false });
  });

  it('does not read the same card twice without it leaving the field, and says why', async () => {
    const { reader, control } = await setup();
    control('place chen-jing');
    await reader.read({ signal: signal() });

    const again = await rejection(reader.read({ signal: signal(), timeoutMs: 100 }));
    expect(again.code).toBe('NO_CARD');
    expect(again.message).toContain('the card read last is probably still on the reader');
    expect(again.message).toContain('lift it off the reader and place it again');
    expect(again.detail).toMatchObject({ afterRead: true });
    expect(control('state')).toMatchObject({ field: 'read', profile: 'chen-jing' });

    control('remove');
    control('place chen-jing');
    expect((await reader.read({ signal: signal() })).name).toBe('陈静');
  });

  it('reads through noise bytes before the reply', async () => {
    const { reader, control, requests } = await setup();
    control('place');
    control('noise');
    expect((await reader.read({ signal: signal() })).name).toBe('王喆');
    expect(requests).toEqual(['findCard', 'selectCard', 'readBase']);
    expect(control('state')).toMatchObject({ noise: '' });
  });

  it('reassembles a base-info reply that arrives in several reads', async () => {
    const { reader, control, received } = await setup({ splitGapMs: 15 });
    control('place ouyang-ming');
    control('split readBase 5');
    expect(await reader.read({ signal: signal() })).toEqual(idCardProfiles['ouyang-ming']);
    // find and select came in one read each; the 1295 bytes in more than one.
    expect(received.length).toBeGreaterThan(3);
    expect(control('state')).toMatchObject({ split: null });
  });

  it('asks again when a reply fails its checksum, the base info included', async () => {
    const { reader, control, requests } = await setup();
    control('place');
    control('garble readBase');
    expect((await reader.read({ signal: signal() })).name).toBe('王喆');
    expect(requests).toEqual(['findCard', 'selectCard', 'readBase', 'readBase']);

    control('garble');
    expect(await reader.samStatus()).toMatchObject({ status: 'online' });
    expect(requests.slice(3)).toEqual(['readBase', 'samStatus', 'samStatus', 'samInfo']);
  });

  it('gives up with BAD_FRAME when every reply is damaged', async () => {
    const { reader, control, requests } = await setup();
    control('place');
    control('garble on');
    const error = await rejection(reader.read({ signal: signal() }));
    expect(error.code).toBe('BAD_FRAME');
    expect(error.detail).toMatchObject({ command: 'findCard', sends: 3 });
    expect(requests).toEqual(['findCard', 'findCard', 'findCard']);
  });

  it('reports a wrong ID check digit as PROTOCOL', async () => {
    const { reader, control } = await setup();
    control('place bad-check');
    const error = await rejection(reader.read({ signal: signal() }));
    expect(error.code).toBe('PROTOCOL');
    expect(error.detail).toMatchObject({ field: 'idNumber', checkDigit: '7', expected: '8' });
  });

  it('times out on a silent module, and works again when it answers', async () => {
    const { reader, control } = await setup();
    control('silent on');
    const error = await rejection(reader.samStatus());
    expect(error.code).toBe('TIMEOUT');
    expect(error.detail).toMatchObject({ command: 'samStatus' });
    expect((await rejection(reader.read({ signal: signal(), timeoutMs: 1_000 }))).code).toBe('TIMEOUT');
    control('silent off');
    expect(await reader.samStatus()).toMatchObject({ status: 'online' });
  });

  it('reports a failed SAM as hardwareError in status and DEVICE_REPORTED on a read', async () => {
    const { reader, control } = await setup();
    control('place');
    control('sam-fault on');
    await reader.reset();
    expect(await reader.samStatus()).toEqual({ status: 'hardwareError', samError: 'selfTestFailed', sw3: '60' });
    const error = await rejection(reader.read({ signal: signal() }));
    expect(error.code).toBe('DEVICE_REPORTED');
    expect(error.detail).toMatchObject({ command: 'findCard', sw3: '60', samError: 'selfTestFailed' });
  });

  it('keeps one command on the line when callers overlap', async () => {
    const { reader, control } = await setup();
    control('place');
    const results = await Promise.all([reader.samStatus(), reader.read({ signal: signal() }), reader.reset(), reader.samStatus()]);
    expect(results[1]).toMatchObject({ name: '王喆' });
    expect(control('state')).toMatchObject({ overlaps: 0 });
  });

  it('stops waiting for a card when the caller aborts', async () => {
    const { reader } = await setup();
    const controller = new AbortController();
    const reading = reader.read({ signal: controller.signal, timeoutMs: 5_000 });
    await delay(50);
    controller.abort();
    expect((await rejection(reading)).code).toBe('ABORTED');
  });

  it('refuses commands once closed', async () => {
    const { reader } = await setup();
    await reader.close();
    expect((await rejection(reader.reset())).code).toBe('NOT_OPEN');
  });
});

describe('IdCardReaderSimulator on its own', () => {
  function bare() {
    const sim = new IdCardReaderSimulator({ answerMs: 0, readMs: 0 });
    const parser = new FrameParser('response');
    const replies: ParsedItem[] = [];
    sim.attach((bytes) => replies.push(...parser.push(bytes)));
    cleanups.push(async () => sim.stop());
    return { sim, replies };
  }

  it('answers a request with a bad checksum with SW3 10, and an unknown command with 21', async () => {
    const { sim, replies } = bare();
    const damaged = encodeCommand('findCard');
    damaged[damaged.length - 1]! ^= 0x01;
    sim.receive(damaged);
    sim.receive(encodeRequest(0x99, 0x01));
    await delay(20);
    expect(replies.map((r) => (r.kind === 'response' ? r.sw3 : r.kind))).toEqual([0x10, 0x21]);
  });

  it('fails select without a find, and read without a select', async () => {
    const { sim, replies } = bare();
    expect(sim.controls.find((c) => c.name === 'place')!.run([])).toMatchObject({ field: 'present' });
    sim.receive(encodeCommand('selectCard'));
    sim.receive(encodeCommand('readBase'));
    await delay(20);
    expect(replies.map((r) => (r.kind === 'response' ? r.sw3 : r.kind))).toEqual([0x81, 0x41]);
  });

  it('splits the next reply of any command, or of the one named', () => {
    const { sim } = bare();
    const split = sim.controls.find((c) => c.name === 'split')!;
    expect(split.run(['3'])).toMatchObject({ split: { command: 'any', chunks: 3 } });
    expect(split.run(['readBase'])).toMatchObject({ split: { command: 'readBase', chunks: 4 } });
    expect(() => split.run(['readBase', '1'])).toThrow(/usage/);
  });

  it('refuses a second card and an unknown profile', () => {
    const { sim } = bare();
    const place = sim.controls.find((c) => c.name === 'place')!;
    expect(() => place.run(['nobody'])).toThrow(/unknown profile/);
    place.run(['zhao-kun']);
    expect(() => place.run(['chen-jing'])).toThrow(/already in the field/);
  });
});
