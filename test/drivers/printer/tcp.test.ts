import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { startTcpSimulator, type RunningTcpSimulator } from '../../../drivers/core/tcp-simulator-host.ts';
import { openTcp } from '../../../drivers/core/tcp-transport.ts';
import type { SimulatorEvent } from '../../../drivers/core/simulator.ts';
import { ReceiptPrinter } from '../../../drivers/printer/driver.ts';
import { ReceiptPrinterSimulator } from '../../../drivers/printer/simulator.ts';

// The real driver over a real TCP socket on loopback, the simulator served as a printer serves port 9100.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function served(): Promise<{ sim: RunningTcpSimulator; events: SimulatorEvent[] }> {
  const sim = await startTcpSimulator(new ReceiptPrinterSimulator());
  cleanups.push(() => sim.close());
  const events: SimulatorEvent[] = [];
  sim.onEvent((e) => events.push(e));
  return { sim, events };
}

async function openPrinter(where: string, options: { statusTimeoutMs?: number; connectTimeoutMs?: number } = {}): Promise<ReceiptPrinter> {
  const printer = await ReceiptPrinter.openAt(where, options);
  cleanups.push(() => printer.close());
  return printer;
}

async function deviceError(promise: Promise<unknown>): Promise<DeviceError> {
  const e: unknown = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DeviceError);
  return e as DeviceError;
}

/** A port on loopback that nothing listens on: bound, then let go. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A hung printer: its TCP stack listens, but its firmware never accepts. A child process listens
 * with a backlog of 1 and blocks for good before its event loop can accept anything (a pipe write
 * to stdout is synchronous), so the kernel queues two connections and drops the SYN of every
 * later one, exactly as for a printer that is wedged.
 */
async function hungListener(): Promise<number> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('net').createServer();
       s.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
         process.stdout.write(s.address().port + '\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  cleanups.push(() => void child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d)))));
  for (let i = 0; i < 2; i++) {
    const filler = net.connect({ host: '127.0.0.1', port });
    cleanups.push(() => void filler.destroy());
    await new Promise((resolve) => filler.once('connect', resolve));
  }
  return port;
}

const receipt = [
  { text: '门诊缴费凭条', align: 'center' as const, bold: true },
  { text: '姓名：王喆堃' },
  { row: ['挂号费', '¥12.00'] as [string, string], fill: '.' },
  { qr: '01HZX3V9Q6A7B8C9D0E1F2G3H4' },
];

describe('ReceiptPrinter over TCP 9100 against the simulator', () => {
  it('prints a Chinese receipt that the printer parses back exactly', async () => {
    const { sim, events } = await served();
    expect(sim.port).toBe(`tcp://127.0.0.1:${sim.tcpPort}`);
    const printer = await openPrinter(sim.port);
    expect(await printer.print(receipt)).toMatchObject({ status: 'online', paper: 'ok' });
    expect(events).toEqual([
      expect.objectContaining({ event: 'receipt', lines: ['门诊缴费凭条', '姓名：王喆堃', expect.stringMatching(/^挂号费 \.+ ¥12\.00$/)], qr: ['01HZX3V9Q6A7B8C9D0E1F2G3H4'] }),
    ]);
  });

  it('reads paper low, paper out and cover open from DLE EOT over the socket', async () => {
    const { sim } = await served();
    const printer = await openPrinter(sim.port);
    sim.control('paper low');
    expect(await printer.status()).toMatchObject({ status: 'online', paper: 'low' });
    sim.control('paper out');
    expect((await deviceError(printer.print(receipt))).code).toBe('PAPER_OUT');
    sim.control('paper ok');
    sim.control('cover open');
    expect(await printer.status()).toMatchObject({ status: 'userError', coverOpen: true });
  });

  it('a printer that goes silent on the socket times out like one on a serial line', async () => {
    const { sim } = await served();
    const printer = await openPrinter(sim.port, { statusTimeoutMs: 150 });
    sim.control('silent on');
    expect((await deviceError(printer.status())).code).toBe('TIMEOUT');
  });

  it('refusal is a TRANSPORT error naming the address and ECONNREFUSED', async () => {
    const port = await closedPort();
    const e = await deviceError(ReceiptPrinter.openAt(`tcp://127.0.0.1:${port}`));
    expect(e.code).toBe('TRANSPORT');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.detail).toMatchObject({ host: '127.0.0.1', port, cause: 'ECONNREFUSED' });
  });

  it('a printer that never accepts is a TRANSPORT error after the connect timeout', async () => {
    const port = await hungListener();
    const e = await deviceError(openTcp('127.0.0.1', port, { connectTimeoutMs: 200 }));
    expect(e.code).toBe('TRANSPORT');
    expect(e.detail).toMatchObject({ cause: 'timeout' });
  });

  it('a reset connection fails the next command with TRANSPORT, not a silent NOT_OPEN', async () => {
    const { sim } = await served();
    const printer = await openPrinter(sim.port);
    expect((await printer.status()).status).toBe('online');
    sim.resetConnection();
    const e = await deviceError(printer.status());
    expect(e.code).toBe('TRANSPORT');
    expect(e.message).toContain(`127.0.0.1:${sim.tcpPort}`);
    // The printer serves the next connection as before.
    const again = await openPrinter(sim.port);
    expect((await again.status()).status).toBe('online');
  });

  it('serves one connection at a time: a second client waits until the first hangs up', async () => {
    const { sim } = await served();
    const first = await openPrinter(sim.port);
    const second = await openPrinter(sim.port, { statusTimeoutMs: 5000 });
    const waiting = second.status();
    await first.print(receipt);
    expect(sim.control('receipts').count).toBe(1);
    await first.close();
    expect((await waiting).status).toBe('online');
  });
});
