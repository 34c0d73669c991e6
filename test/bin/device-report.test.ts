import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReportPrinter } from '../../drivers/report/driver.ts';
import { renderLabReport, sampleLabReport } from '../../drivers/report/pdf.ts';
import { IppPrinterSimulator } from '../../drivers/report/simulator.ts';
import { runZizhu } from '../helpers/processes.ts';

/** `zizhu device report …` as a technician runs it: a child process against ippeveprinter. */
let sim: IppPrinterSimulator;
let folder: string;
let samplePdf: string;
beforeAll(async () => {
  sim = await IppPrinterSimulator.start();
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-report-cli-'));
  samplePdf = path.join(folder, 'sample.pdf');
  fs.writeFileSync(samplePdf, await renderLabReport(sampleLabReport()));
});
afterAll(async () => {
  await sim?.stop();
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});
/** A healthy printer with no job left holding (see test/drivers/report/driver.test.ts). */
afterEach(async () => {
  sim.failJobs(undefined);
  await sim.setPaper('ok');
  const printer = new ReportPrinter(sim.uri);
  for (;;) {
    const status = await printer.status();
    if (status.printerState === 'idle' && status.reasons.length === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
});

const report = (...args: string[]) => runZizhu(['device', 'report', ...args]);
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describe('zizhu device report', () => {
  it('sample writes a lab report PDF a technician can print', async () => {
    const out = path.join(folder, 'out.pdf');
    const run = await report('sample', '--out', out, '--json');
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toEqual({ file: out, bytes: fs.statSync(out).size });
    const text = execFileSync('pdftotext', [out, '-'], { encoding: 'utf8' });
    expect(text).toContain('示例市第一人民医院');
    expect(text).toContain('李喆');
  });

  it('print waits for the job to complete and prints {job, state}; the printer got the file', async () => {
    const run = await report('print', '--printer', sim.uri, '--file', samplePdf, '--json', '--timeout', '20');
    expect(run.code).toBe(0);
    const result = json(run.stdout);
    expect(result).toMatchObject({ state: 'completed', printed: true });
    const printed = sim.printed().find((p) => p.job === result.job);
    expect(printed && fs.readFileSync(printed.file)).toEqual(fs.readFileSync(samplePdf));
  });

  it('status prints the shared vocabulary, as a table without --json', async () => {
    await sim.setPaper('low');
    const [run, table] = await Promise.all([report('status', '--printer', sim.uri, '--json'), report('status', '--printer', sim.uri)]);
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toMatchObject({ status: 'online', paper: 'low', printerState: 'idle', accepting: true });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^status\s+online$/m);
    expect(table.stdout).toMatch(/^paper\s+low$/m);
  });

  it('print with no paper exits 3, not printed, with the reason on one line', async () => {
    await sim.setPaper('out');
    const run = await report('print', '--printer', sim.uri, '--file', samplePdf, '--json');
    expect(run.code).toBe(3);
    expect(json(run.stdout)).toMatchObject({ status: 'userError', error: 'PAPER_OUT', printed: false });
    expect(run.stderr).toBe('zizhu device report print: PAPER_OUT: cannot print: media-empty-report\n');
  });

  it('an open cover during the job exits 3; a jam exits 4', async () => {
    sim.failJobs('cover-open');
    const cover = await report('print', '--printer', sim.uri, '--file', samplePdf, '--json');
    expect(cover.code).toBe(3);
    expect(json(cover.stdout)).toMatchObject({ error: 'COVER_OPEN', state: 'stopped', printed: false });

    sim.failJobs('media-jam');
    const jam = await report('print', '--printer', sim.uri, '--file', samplePdf, '--json');
    expect(jam.code).toBe(4);
    expect(json(jam.stdout)).toMatchObject({ status: 'hardwareError', error: 'JAM', state: 'stopped', printed: false });
    expect(jam.stderr).toMatch(/^zizhu device report print: JAM: job \d+ stopped: media-jam-warning\n$/);
  });

  it('an aborted job and a job past --timeout exit 4', async () => {
    sim.failJobs('abort');
    const aborted = await report('print', '--printer', sim.uri, '--file', samplePdf, '--json');
    expect(aborted.code).toBe(4);
    expect(json(aborted.stdout)).toMatchObject({ error: 'DEVICE_REPORTED', state: 'aborted', printed: false });

    sim.failJobs('hold');
    const slow = await report('print', '--printer', sim.uri, '--file', samplePdf, '--json', '--timeout', '1');
    expect(slow.code).toBe(4);
    expect(json(slow.stdout)).toMatchObject({ error: 'TIMEOUT', printed: false, cancelRequested: true });
  });

  it('a printer that is not there exits 4', async () => {
    const port = await closedPort();
    const run = await report('status', '--printer', `ipp://127.0.0.1:${port}/ipp/print`, '--json');
    expect(run.code).toBe(4);
    expect(json(run.stdout)).toMatchObject({ status: 'hardwareError', error: 'TRANSPORT' });
    expect(run.stderr).toMatch(/^zizhu device report status: TRANSPORT: [^\n]+ECONNREFUSED[^\n]*\n$/);
  });

  it('usage errors exit 2 and name the flag; no --port is asked for', async () => {
    const notPdf = path.join(folder, 'not.pdf');
    fs.writeFileSync(notPdf, 'hello');
    const [noPrinter, badUri, noFile, wrongFile, noOut] = await Promise.all([
      report('status'),
      report('status', '--printer', 'ipps://printer.local/ipp/print'),
      report('print', '--printer', sim.uri),
      report('print', '--printer', sim.uri, '--file', notPdf),
      report('sample'),
    ]);
    expect(noPrinter.code).toBe(2);
    expect(noPrinter.stderr).toContain('--printer URI is required');
    expect(noPrinter.stderr).not.toContain('--port');
    expect(badUri.code).toBe(2);
    expect(badUri.stderr).toContain('--printer: printer URI scheme must be ipp or http');
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('--file PDF is required');
    expect(wrongFile.code).toBe(2);
    expect(wrongFile.stderr).toContain('is not a PDF');
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out FILE is required');
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
