import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { ReportPrinter } from '../../../drivers/report/driver.ts';
import { IppClient } from '../../../drivers/report/ipp.ts';
import { renderLabReport, sampleLabReport } from '../../../drivers/report/pdf.ts';
import { IppPrinterSimulator } from '../../../drivers/report/simulator.ts';

/** The real driver against a real IPP printer: CUPS's ippeveprinter in a temporary folder (DESIGN.md §8). */

let sim: IppPrinterSimulator;
let pdf: Buffer;
beforeAll(async () => {
  sim = await IppPrinterSimulator.start({ name: 'zizhu-report-test' });
  pdf = await renderLabReport(sampleLabReport(new Date('2025-03-31T06:05:00Z')));
});
afterAll(async () => {
  await sim?.stop();
});
/**
 * Back to a healthy printer with nothing in hand. ippeveprinter prints one job at a time, and a
 * job a test left holding (cancelled, but waiting for its fault) finishes only once released.
 */
afterEach(async () => {
  sim.thaw();
  sim.failJobs(undefined);
  await sim.setPaper('ok');
  await until(async () => {
    const status = await printer().status();
    return status.printerState === 'idle' && status.reasons.length === 0 ? status : undefined;
  });
});

const printer = (options: ConstructorParameters<typeof ReportPrinter>[1] = {}) => new ReportPrinter(sim.uri, { pollMs: 30, requestTimeoutMs: 2000, ...options });
const client = () => new IppClient(sim.uri, { requestTimeoutMs: 2000 });

async function rejection(work: Promise<unknown>): Promise<DeviceError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeviceError);
  return error as DeviceError;
}

const printedJobs = () => sim.printed().map((p) => p.job);
const spooled = () => fs.readdirSync(sim.spoolDir).filter((f) => f.endsWith('.pdf'));

/** Waits (without a time limit of its own; the test's is enough) until `check` holds. */
async function until<T>(check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The job the printer received last, once it is there. */
const nextJob = (before: string[]) => until(() => spooled().find((f) => !before.includes(f))).then((f) => Number.parseInt(f, 10));

describe('ReportPrinter against ippeveprinter', () => {
  it('reports status in the shared vocabulary', async () => {
    expect(await printer().status()).toEqual({
      status: 'online',
      paper: 'ok',
      printerState: 'idle',
      reasons: [],
      accepting: true,
      model: 'Example Printer',
    });
  });

  it('prints a lab report: the printer holds the very PDF, with the names, values and hospital as text', async () => {
    const result = await printer().print(pdf, { timeoutMs: 10_000 });
    expect(result).toMatchObject({ state: 'completed', printed: true });
    expect(printedJobs()).toContain(result.job);
    const file = sim.printed().find((p) => p.job === result.job)!.file;
    expect(fs.readFileSync(path.join(sim.spoolDir, path.basename(file)))).toEqual(pdf);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('示例市第一人民医院');
    expect(text).toContain('王*堃');
    expect(text).toContain('李喆');
    expect(text).toMatch(/白细胞计数 WBC\s+11\.2\s+↑/);
    expect(text).toMatch(/血红蛋白 HGB\s+142\s+g\/L\s+130-175/);
  });

  it('runs two prints one after the other', async () => {
    const unit = printer();
    const [a, b] = await Promise.all([unit.print(pdf, { timeoutMs: 10_000 }), unit.print(pdf, { timeoutMs: 10_000 })]);
    expect(b.job).toBe(a.job + 1);
    expect(printedJobs()).toEqual(expect.arrayContaining([a.job, b.job]));
  });

  it('reads the paper level from the trays', async () => {
    await sim.setPaper('low');
    expect(await printer().status()).toMatchObject({ status: 'online', paper: 'low', reasons: ['media-low-report'] });
    await sim.setPaper('out');
    expect(await printer().status()).toMatchObject({ status: 'userError', paper: 'out', reasons: ['media-empty-report'] });
  });

  it('refuses to send a job while the tray is empty', async () => {
    await sim.setPaper('out');
    const before = spooled();
    const error = await rejection(printer().print(pdf, { timeoutMs: 5000 }));
    expect(error.code).toBe('PAPER_OUT');
    expect(error.detail).toMatchObject({ printed: false, started: false, paper: 'out' });
    expect(spooled()).toEqual(before);
  });

  it('paper runs out during the job: PAPER_OUT, not printed, and the job is cancelled', async () => {
    sim.failJobs('media-empty');
    const error = await rejection(printer().print(pdf, { timeoutMs: 5000 }));
    expect(error.code).toBe('PAPER_OUT');
    expect(error.detail).toMatchObject({ state: 'stopped', printed: false, cancelRequested: true, reasons: ['media-empty-warning'] });
    const job = error.detail.job as number;
    expect(printedJobs()).not.toContain(job);
    expect(await client().getJobAttributes(job)).toMatchObject({ state: 'processing', reasons: ['processing-to-stop-point'] });
    // Paper loaded: the printer finishes the cancel.
    sim.failJobs(undefined);
    expect(await until(async () => ((s) => (s.state === 'canceled' ? s : undefined))(await client().getJobAttributes(job)))).toMatchObject({ state: 'canceled' });
  });

  it('a jam stops the job with JAM', async () => {
    sim.failJobs('media-jam');
    const jam = await rejection(printer().print(pdf, { timeoutMs: 5000 }));
    expect(jam.code).toBe('JAM');
    expect(jam.detail).toMatchObject({ state: 'stopped', printed: false, reasons: ['media-jam-warning'] });
    expect(printedJobs()).not.toContain(jam.detail.job);
  });

  it('an open cover stops the job with COVER_OPEN', async () => {
    sim.failJobs('cover-open');
    const cover = await rejection(printer().print(pdf, { timeoutMs: 5000 }));
    expect(cover.code).toBe('COVER_OPEN');
    expect(cover.detail).toMatchObject({ state: 'stopped', printed: false });
    expect(printedJobs()).not.toContain(cover.detail.job);
  });

  it('an aborted job is not printed', async () => {
    sim.failJobs('abort');
    const error = await rejection(printer().print(pdf, { timeoutMs: 5000 }));
    expect(error.code).toBe('DEVICE_REPORTED');
    expect(error.detail).toMatchObject({ state: 'aborted', printed: false, jobReasons: ['aborted-by-system'] });
    expect(error.message).toContain('print engine failure');
  });

  it('a job cancelled at the printer is not printed', async () => {
    sim.failJobs('hold');
    const before = spooled();
    const printing = rejection(printer().print(pdf, { timeoutMs: 10_000 }));
    const job = await nextJob(before);
    await client().cancelJob(job);
    sim.failJobs(undefined);
    const error = await printing;
    expect(error.code).toBe('DEVICE_REPORTED');
    expect(error.detail).toMatchObject({ job, state: 'canceled', printed: false });
  });

  it('a job not done by the deadline fails with TIMEOUT and is cancelled', async () => {
    sim.failJobs('hold');
    const error = await rejection(printer().print(pdf, { timeoutMs: 300 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.detail).toMatchObject({ printed: false, cancelRequested: true });
    // Cancelled while waiting its turn it ends at once; while processing it is told to stop.
    const after = await client().getJobAttributes(error.detail.job as number);
    expect(after.state === 'canceled' || after.reasons.includes('processing-to-stop-point')).toBe(true);
  });

  it('the caller walking away aborts the wait and cancels the job', async () => {
    sim.failJobs('hold');
    const before = spooled();
    const controller = new AbortController();
    const printing = rejection(printer().print(pdf, { signal: controller.signal, timeoutMs: 10_000 }));
    const job = await nextJob(before);
    controller.abort();
    const error = await printing;
    expect(error.code).toBe('ABORTED');
    expect(error.detail).toMatchObject({ job, printed: false, cancelRequested: true });
  });

  it('a printer that accepts connections and never answers: TIMEOUT', async () => {
    sim.freeze();
    const unit = printer({ requestTimeoutMs: 200 });
    expect((await rejection(unit.status())).code).toBe('TIMEOUT');
    const error = await rejection(unit.print(pdf, { timeoutMs: 5000 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.detail).toMatchObject({ operation: 'getPrinterAttributes' });
  });

  it('a printer that is not there: TRANSPORT', async () => {
    const port = await closedPort();
    const unit = new ReportPrinter(`ipp://127.0.0.1:${port}/ipp/print`, { requestTimeoutMs: 2000 });
    const error = await rejection(unit.status());
    expect(error.code).toBe('TRANSPORT');
    expect(error.detail).toMatchObject({ cause: 'ECONNREFUSED' });
    expect((await rejection(unit.print(pdf))).code).toBe('TRANSPORT');
  });

  it('a URI with no printer behind it: PROTOCOL', async () => {
    const unit = new ReportPrinter(sim.uri.replace('/ipp/print', '/ipp/nothing'), { requestTimeoutMs: 2000 });
    expect((await rejection(unit.status())).code).toBe('PROTOCOL');
  });
});

/** A loopback port nobody listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
