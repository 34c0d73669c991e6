import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

/**
 * A real IPP Everywhere printer for tests and the demo: CUPS's `ippeveprinter`
 * (reference/hardware-protocols.md §5), in a temporary folder, on a free loopback port.
 *
 * - Its spool directory is kept (`-k`), so a test can read every PDF the printer received.
 * - Its "print engine" (`-c`) is a small script that copies each job into `printed/`: what came
 *   out of the printer. A fault file beside it makes the next jobs abort, hang, or stop with a
 *   printer-state-reason (media-empty, media-jam, cover-open), which ippeveprinter takes from the
 *   engine's `STATE:` lines as it does from a CUPS filter.
 * - Paper in the trays is set through ippeveprinter's own media page: an empty tray is reported
 *   as media-empty, and a job submitted then waits in "processing" until paper is loaded.
 * - `freeze()` stops the process (SIGSTOP): connections are accepted by the kernel and never
 *   answered, as with a printer that hangs.
 *
 * ippeveprinter will not start without a D-Bus system bus to reach Avahi through, even with
 * nothing to advertise. Each simulator runs a private bus in its folder, so tests need no system
 * daemon and the printer is never announced on the network.
 */

export type PaperSupply = 'ok' | 'low' | 'out';
/** `hold`: the job stays processing until released; the reasons: it stops with that reason. */
export type JobFault = 'abort' | 'hold' | 'media-empty' | 'media-jam' | 'cover-open';

export interface IppPrinterSimulatorOptions {
  /** printer-name (default "zizhu-report"). */
  name?: string;
}

export interface PrintedJob {
  job: number;
  file: string;
}

const IPPEVEPRINTER = '/usr/sbin/ippeveprinter';
const DBUS_DAEMON = '/usr/bin/dbus-daemon';
const START_TIMEOUT_MS = 10_000;

/** The engine the printer runs per job, with the spooled file as $1. Bounded waits: it cannot outlive a test by much. */
const ENGINE = `#!/bin/sh
dir="$(dirname "$0")"
fault="$(cat "$dir/fault" 2>/dev/null)"
case "$fault" in
  abort) echo "ERROR: print engine failure" >&2; exit 1 ;;
  "") ;;
  *)
    [ "$fault" = hold ] || echo "STATE: +$fault" >&2
    n=0
    while [ "$(cat "$dir/fault" 2>/dev/null)" = "$fault" ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
    [ "$fault" = hold ] || echo "STATE: -$fault" >&2
    ;;
esac
cp "$1" "$dir/printed/"
`;

/** Tray levels set through the media page: ippeveprinter calls below 25 sheets media-low, 0 media-empty. */
const sheets: Record<PaperSupply, number> = { ok: 25, low: 5, out: 0 };

export class IppPrinterSimulator {
  /** Where drivers point: ipp://127.0.0.1:PORT/ipp/print */
  readonly uri: string;
  readonly spoolDir: string;
  readonly printedDir: string;
  private readonly log: string[] = [];

  private constructor(
    readonly folder: string,
    readonly port: number,
    private readonly printer: ChildProcess,
    private readonly bus: ChildProcess,
  ) {
    this.uri = `ipp://127.0.0.1:${port}/ipp/print`;
    this.spoolDir = path.join(folder, 'spool');
    this.printedDir = path.join(folder, 'printed');
    readline.createInterface({ input: printer.stderr! }).on('line', (line) => {
      this.log.push(line);
      if (this.log.length > 200) this.log.shift();
    });
  }

  static async start(options: IppPrinterSimulatorOptions = {}): Promise<IppPrinterSimulator> {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-ipp-'));
    fs.mkdirSync(path.join(folder, 'spool'));
    fs.mkdirSync(path.join(folder, 'printed'));
    const engine = path.join(folder, 'engine.sh');
    fs.writeFileSync(engine, ENGINE, { mode: 0o755 });
    let bus: ChildProcess | undefined;
    let printer: ChildProcess | undefined;
    try {
      const started = await startBus(folder);
      bus = started.bus;
      const port = await freePort();
      // Its own process group, so that stop() also ends an engine script still waiting on a fault.
      printer = spawn(
        IPPEVEPRINTER,
        ['-k', '-d', path.join(folder, 'spool'), '-p', String(port), '-n', 'localhost', '-f', 'application/pdf', '-r', 'off', '-c', engine, options.name ?? 'zizhu-report'],
        { env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: started.address }, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
      );
      const sim = new IppPrinterSimulator(folder, port, printer, bus);
      await sim.waitListening();
      return sim;
    } catch (e) {
      await stopChild(printer, true);
      await stopChild(bus, false);
      fs.rmSync(folder, { recursive: true, force: true });
      throw e;
    }
  }

  /** Loads or takes away paper in every tray. */
  async setPaper(supply: PaperSupply): Promise<void> {
    const page = await this.get('/media');
    const trays = [...page.matchAll(/name="level(\d+)"/g)].map((m) => m[1]!);
    if (!trays.length) throw new Error('ippeveprinter media page lists no trays');
    const query = new URLSearchParams();
    for (const tray of trays) {
      query.set(`size${tray}`, 'iso_a4_210x297mm');
      query.set(`type${tray}`, 'stationery');
      query.set(`level${tray}`, String(sheets[supply]));
    }
    await this.get(`/media?${query}`);
  }

  /** What happens to jobs from now on; undefined prints normally and releases a held job. */
  failJobs(fault: JobFault | undefined): void {
    fs.writeFileSync(path.join(this.folder, 'fault'), fault ?? '');
  }

  /** The printer hangs: it accepts connections and answers nothing. */
  freeze(): void {
    process.kill(this.printer.pid!, 'SIGSTOP');
  }

  thaw(): void {
    process.kill(this.printer.pid!, 'SIGCONT');
  }

  /** Jobs the engine printed, oldest first. The spool file is named `<job>-<job-name>.pdf`. */
  printed(): PrintedJob[] {
    return fs
      .readdirSync(this.printedDir)
      .map((name) => ({ job: Number.parseInt(name, 10), file: path.join(this.printedDir, name) }))
      .sort((a, b) => a.job - b.job);
  }

  /** The last lines ippeveprinter wrote, for a failing test's message. */
  recentLog(): string {
    return this.log.join('\n');
  }

  async stop(): Promise<void> {
    if (this.printer.signalCode === null && this.printer.exitCode === null) {
      try {
        process.kill(this.printer.pid!, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await stopChild(this.printer, true);
    await stopChild(this.bus, false);
    fs.rmSync(this.folder, { recursive: true, force: true });
  }

  private async waitListening(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.printer.exitCode !== null) throw new Error(`ippeveprinter exited with ${this.printer.exitCode}: ${this.recentLog()}`);
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`ippeveprinter did not listen on ${this.port} within ${START_TIMEOUT_MS} ms: ${this.recentLog()}`);
  }

  private get(pathAndQuery: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port: this.port, path: pathAndQuery, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${pathAndQuery}: HTTP ${res.statusCode}`))));
      });
      request.on('error', reject);
    });
  }
}

/** A private D-Bus daemon in `folder`; resolves once it prints its address. */
async function startBus(folder: string): Promise<{ bus: ChildProcess; address: string }> {
  const config = path.join(folder, 'bus.conf');
  fs.writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${path.join(folder, 'bus')}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const bus = spawn(DBUS_DAEMON, [`--config-file=${config}`, '--nofork', '--nopidfile', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('dbus-daemon did not start')), START_TIMEOUT_MS);
    bus.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${DBUS_DAEMON} (Debian package dbus-daemon): ${e.message}`));
    });
    bus.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dbus-daemon exited with ${code}`));
    });
    readline.createInterface({ input: bus.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
  return { bus, address };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** SIGTERM, then wait for the exit; `group` signals the child's whole process group (it was spawned detached). */
async function stopChild(child: ChildProcess | undefined, group: boolean): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(group ? -child.pid : child.pid, 'SIGTERM');
  } catch {
    return;
  }
  await exited;
}
