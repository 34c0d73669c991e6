import net from 'node:net';
import readline from 'node:readline';
import { openPtyPair } from './pty-pair.ts';
import { openSerial } from './serial-transport.ts';
import type { DeviceSimulator, SimulatorEvent } from './simulator.ts';

export interface RunningSimulator {
  /** The path a driver opens. */
  readonly port: string;
  /** Run one control line and get the JSON reply. */
  control(line: string): Record<string, unknown>;
  onEvent(listener: (event: SimulatorEvent) => void): void;
  close(): Promise<void>;
}

/** Puts a simulator on a fresh pseudo-terminal pair, in this process. Tests use this directly. */
export async function startSimulator(sim: DeviceSimulator): Promise<RunningSimulator> {
  const pair = await openPtyPair();
  const wire = await openSerial(pair.devicePath, sim.serial);
  sim.attach((bytes) => void wire.write(bytes).catch(() => undefined));
  wire.onData((chunk) => sim.receive(chunk));
  return {
    port: pair.hostPath,
    control: (line) => runControl(sim, line),
    onEvent: (listener) => sim.onEvent(listener),
    close: async () => {
      sim.stop();
      await wire.close();
      await pair.close();
    },
  };
}

export function runControl(sim: DeviceSimulator, line: string): Record<string, unknown> {
  const [name, ...args] = line.trim().split(/\s+/);
  if (!name) return { ok: false, error: 'empty command; try help' };
  if (name === 'help') {
    return { ok: true, command: 'help', commands: sim.controls.map((c) => ({ usage: c.usage, help: c.help })) };
  }
  const control = sim.controls.find((c) => c.name === name);
  if (!control) return { ok: false, command: name, error: `unknown command "${name}"; try help` };
  try {
    return { ok: true, command: name, ...(control.run(args) ?? {}) };
  } catch (e) {
    return { ok: false, command: name, error: (e as Error).message };
  }
}

/** What `serveSimulator` needs of a running simulator: a serial one, or one on another transport (IPP). */
export interface ServedSimulator {
  readonly port: string;
  control(line: string): Record<string, unknown> | Promise<Record<string, unknown>>;
  onEvent(listener: (event: SimulatorEvent) => void): void;
  close(): Promise<void>;
}

/**
 * `zizhu sim <kind>`: the simulator as its own process. First stdout line is `{"port": PATH}`;
 * then one JSON line per control reply and per event. With `controlSocket`, the same control
 * lines are also taken on a Unix socket (the demo's patient keys use it).
 */
export async function runSimulatorProcess(sim: DeviceSimulator, controlSocket?: string): Promise<void> {
  await serveSimulator(await startSimulator(sim), controlSocket);
}

export async function serveSimulator(running: ServedSimulator, controlSocket?: string): Promise<void> {
  const print = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
  print({ port: running.port });
  running.onEvent(print);

  let server: net.Server | undefined;
  if (controlSocket) {
    server = net.createServer((socket) => {
      readline.createInterface({ input: socket }).on('line', (line) => {
        void Promise.resolve(running.control(line)).then((reply) => {
          print(reply);
          socket.write(JSON.stringify(reply) + '\n');
        });
      });
    });
    await new Promise<void>((resolve) => server!.listen(controlSocket, resolve));
  }

  const stop = async () => {
    server?.close();
    await running.close();
    process.exit(0);
  };
  // SIGHUP too: a closed terminal must not leave an ippeveprinter or a socat behind.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => void stop());
  const stdin = readline.createInterface({ input: process.stdin });
  stdin.on('line', (line) => {
    if (line.trim()) void Promise.resolve(running.control(line)).then(print);
  });
  // A simulator started with no stdin (a detached demo) keeps running until signalled.
  stdin.on('close', () => undefined);
}
