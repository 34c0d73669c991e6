import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../drivers/core/simulator-host.ts';
import { startTcpSimulator } from '../../drivers/core/tcp-simulator-host.ts';
import type { SimulatorEvent } from '../../drivers/core/simulator.ts';
import { RARE_CHARACTER_LINE } from '../../drivers/printer/test-receipt.ts';
import { ReceiptPrinterSimulator } from '../../drivers/printer/simulator.ts';
import { runZizhu } from '../helpers/processes.ts';

// `zizhu device printer ...` as a child process against the simulator in this process, over a pty and over TCP 9100.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(transport: 'pty' | 'tcp' = 'pty'): Promise<{ sim: RunningSimulator; receipts: SimulatorEvent[] }> {
  const device = new ReceiptPrinterSimulator();
  const sim = transport === 'pty' ? await startSimulator(device) : await startTcpSimulator(device);
  cleanups.push(() => sim.close());
  const receipts: SimulatorEvent[] = [];
  sim.onEvent((e) => e.event === 'receipt' && receipts.push(e));
  return { sim, receipts };
}

async function printer(action: string, port: string, ...more: string[]) {
  const r = await runZizhu(['device', 'printer', action, '--port', port, ...more]);
  return { ...r, json: r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined };
}

const healthy = { status: 'online', paper: 'ok', coverOpen: false, cutterError: false };

describe('zizhu device printer', () => {
  it('status --json over a pty: the shared status vocabulary, exit 0', async () => {
    const { sim } = await simulator();
    const r = await printer('status', sim.port, '--json');
    expect(r.json).toEqual(healthy);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('status as a table', async () => {
    const { sim } = await simulator();
    sim.control('paper low');
    const r = await printer('status', sim.port);
    expect(r.stdout.split('\n')).toEqual(['status       online', 'paper        low', 'coverOpen    false', 'cutterError  false', '']);
    expect(r.code).toBe(0);
  });

  it('test prints the bilingual test page over a pty, with the rare-character line, then the status', async () => {
    const { sim, receipts } = await simulator();
    const r = await printer('test', sim.port, '--json');
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ ...healthy, printed: true });
    expect(receipts).toHaveLength(1);
    const lines = receipts[0]!.lines as string[];
    expect(lines).toEqual(expect.arrayContaining(['打印测试', 'PRINTER TEST', '左对齐 Left', '居中 Centre', '右对齐 Right', '倍宽 Wide', '倍高 Tall', RARE_CHARACTER_LINE]));
    expect(lines.join('\n')).toContain('喆 堃');
    expect(receipts[0]!.qr).toEqual([expect.stringMatching(/^ZIZHU PRINTER TEST \d{4}-\d\d-\d\d /)]);
  });

  it('test over TCP 9100 (tcp://HOST:PORT) prints the same page', async () => {
    const { sim, receipts } = await simulator('tcp');
    expect(sim.port).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const r = await printer('test', sim.port, '--json');
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ ...healthy, printed: true });
    expect(receipts[0]!.lines).toContain(RARE_CHARACTER_LINE);
  });

  it('paper out: test exits 3 without printing, says why in one line, and shows the status', async () => {
    const { sim, receipts } = await simulator();
    sim.control('paper out');
    const r = await printer('test', sim.port, '--json');
    expect(r.code).toBe(3);
    expect(r.json).toEqual({ status: 'userError', paper: 'out', coverOpen: false, cutterError: false, printed: false, error: 'PAPER_OUT' });
    expect(r.stderr).toBe('zizhu device printer test: PAPER_OUT: cannot print: paper out\n');
    expect(receipts).toEqual([]);
  });

  it('paper running out mid-page: exit 3, printed false, and no receipt came out', async () => {
    const { sim, receipts } = await simulator();
    sim.control('paper-after 4');
    const r = await printer('test', sim.port, '--json');
    expect(r.code).toBe(3);
    expect(r.json).toMatchObject({ paper: 'out', printed: false, error: 'PAPER_OUT' });
    expect(receipts).toEqual([]);
  });

  it('cover open: status exits 3', async () => {
    const { sim } = await simulator('tcp');
    sim.control('cover open');
    const r = await printer('status', sim.port, '--json');
    expect(r.code).toBe(3);
    expect(r.json).toMatchObject({ status: 'userError', coverOpen: true });
    expect(r.stderr).toMatch(/^zizhu device printer status: COVER_OPEN: [^\n]+\n$/);
  });

  it('cutter fault: status and test exit 4', async () => {
    const { sim, receipts } = await simulator();
    sim.control('cutter error');
    const status = await printer('status', sim.port, '--json');
    expect(status.code).toBe(4);
    expect(status.json).toMatchObject({ status: 'hardwareError', cutterError: true });
    const test = await printer('test', sim.port, '--json');
    expect(test.code).toBe(4);
    expect(test.stderr).toMatch(/^zizhu device printer test: CUTTER_ERROR: /);
    expect(receipts).toEqual([]);
  });

  it('a printer that does not answer status: exit 4 TIMEOUT', async () => {
    const { sim } = await simulator();
    sim.control('silent on');
    const r = await printer('status', sim.port, '--json');
    expect(r.code).toBe(4);
    expect(r.json).toMatchObject({ status: 'hardwareError', error: 'TIMEOUT' });
  });

  it('nothing listening at tcp://: exit 4 TRANSPORT naming the address', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await printer('status', `tcp://127.0.0.1:${port}`, '--json');
    expect(r.code).toBe(4);
    expect(r.json).toMatchObject({ error: 'TRANSPORT', cause: 'ECONNREFUSED' });
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
  });

  it('an address it cannot read is a usage error, exit 2', async () => {
    const r = await printer('status', 'usb://lp0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port: .*usb:\/\/VID:PID/);
  });
});
