import type { ServedSimulator } from '../core/simulator-host.ts';
import type { SimulatorEvent } from '../core/simulator.ts';
import { IppPrinterSimulator, type JobFault, type PaperSupply } from './simulator.ts';

const supplies: readonly PaperSupply[] = ['ok', 'low', 'out'];
const faults: readonly JobFault[] = ['abort', 'hold', 'media-empty', 'media-jam', 'cover-open'];

const help = [
  { usage: 'paper ok|low|out', help: 'load paper, or take it away' },
  { usage: `fail ${faults.join('|')}|none`, help: 'what happens to jobs from now on; none prints again and releases a held job' },
  { usage: 'freeze | thaw', help: 'the printer hangs (answers nothing) / comes back' },
  { usage: 'printed', help: 'the jobs that came out, with their spooled PDF files' },
];

/**
 * `zizhu sim report`: the A4 report printer is ippeveprinter (a real IPP Everywhere printer), with
 * the same one-line controls as the serial simulators. `port` is the printer's IPP URI. Each job
 * that comes out is announced as an event, so the demo log shows what was printed.
 */
export async function serveReportPrinter(): Promise<ServedSimulator> {
  const printer = await IppPrinterSimulator.start();
  const listeners: ((event: SimulatorEvent) => void)[] = [];
  let announced = 0;
  const watch = setInterval(() => {
    const jobs = printer.printed();
    for (const job of jobs.slice(announced)) for (const l of listeners) l({ event: 'printed', job: job.job, file: job.file });
    announced = jobs.length;
  }, 500);
  return {
    port: printer.uri,
    onEvent: (listener) => void listeners.push(listener),
    close: async () => {
      clearInterval(watch);
      await printer.stop();
    },
    control: async (line) => {
      const [name, arg] = line.trim().split(/\s+/);
      const reply = (extra: Record<string, unknown> = {}) => ({ ok: true, command: name, ...extra });
      switch (name) {
        case 'help':
          return reply({ commands: help });
        case 'paper':
          if (!supplies.includes(arg as PaperSupply)) return { ok: false, command: name, error: 'usage: paper ok|low|out' };
          await printer.setPaper(arg as PaperSupply);
          return reply({ paper: arg });
        case 'fail':
          if (arg !== 'none' && !faults.includes(arg as JobFault)) return { ok: false, command: name, error: `usage: fail ${faults.join('|')}|none` };
          printer.failJobs(arg === 'none' ? undefined : (arg as JobFault));
          return reply({ fault: arg });
        case 'freeze':
          printer.freeze();
          return reply();
        case 'thaw':
          printer.thaw();
          return reply();
        case 'printed':
          return reply({ jobs: printer.printed() });
        default:
          return { ok: false, command: name, error: `unknown command "${name ?? ''}"; try help` };
      }
    },
  };
}
