import type { SerialOptions } from './serial-transport.ts';

/** A control command a person or a test gives a simulator, one line on its stdin. */
export interface SimulatorControl {
  name: string;
  /** e.g. "insert [cardNo]" */
  usage: string;
  help: string;
  /** Returns what to print as the reply (merged into `{ok: true, command}`); throw to refuse. */
  run(args: string[]): Record<string, unknown> | void;
}

export type SimulatorEvent = { event: string } & Record<string, unknown>;

/**
 * A program that *is* the device (DESIGN.md §3): it keeps the physical state and answers the
 * device's real bytes. The host (simulator-host.ts) connects it to a pty and to stdin.
 */
export interface DeviceSimulator {
  readonly kind: string;
  readonly serial: SerialOptions;
  /** Called once by the host with the function that puts bytes on the wire towards the driver. */
  attach(send: (bytes: Buffer) => void): void;
  /** Bytes the driver wrote, in whatever chunks the tty delivered them. */
  receive(chunk: Buffer): void;
  readonly controls: readonly SimulatorControl[];
  /** Things worth telling whoever watches: a receipt came out, a sale was approved. */
  onEvent(listener: (event: SimulatorEvent) => void): void;
  /** Release timers so the process can exit. */
  stop(): void;
}
