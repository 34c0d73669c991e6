import type { DeviceSnapshot } from '../contract/fleet.ts';
import { isDeviceError } from '../drivers/core/device-error.ts';

/** Asks one device for its status. Drivers queue it behind whatever the flow is doing. */
export type StatusProbe = (signal: AbortSignal) => Promise<{ status: string; [detail: string]: unknown }>;

/** Codes that mean nothing answers on the line, as opposed to a device that answers "broken". */
const silent = new Set(['TIMEOUT', 'TRANSPORT', 'NOT_OPEN']);

/**
 * The kiosk's view of every configured device, refreshed by polling (DESIGN.md §5 fleet agent). A
 * probe that fails is a status too (`offline` or `hardwareError` with the error code), never an
 * exception, so one dead device cannot stop the others being watched.
 */
export class DeviceHealth {
  private readonly latest: Record<string, DeviceSnapshot> = {};
  private readonly listeners: (() => void)[] = [];
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(
    private readonly probes: Readonly<Record<string, StatusProbe>>,
    private readonly options: { pollMs: number; probeTimeoutMs: number },
  ) {}

  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.pollMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  snapshot(): Readonly<Record<string, DeviceSnapshot>> {
    return this.latest;
  }

  /** One round over every device; a round still running is joined, not doubled. */
  poll(): Promise<void> {
    this.polling ??= this.round().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async round(): Promise<void> {
    let changed = false;
    for (const [name, probe] of Object.entries(this.probes)) {
      const next = await this.ask(probe);
      if (JSON.stringify(next) === JSON.stringify(this.latest[name])) continue;
      this.latest[name] = next;
      changed = true;
    }
    if (changed) for (const l of this.listeners) l();
  }

  private async ask(probe: StatusProbe): Promise<DeviceSnapshot> {
    try {
      return (await probe(AbortSignal.timeout(this.options.probeTimeoutMs))) as DeviceSnapshot;
    } catch (e) {
      if (!isDeviceError(e)) return { status: 'hardwareError', error: 'INTERNAL', message: (e as Error).message };
      return { status: silent.has(e.code) || e.code === 'ABORTED' ? 'offline' : 'hardwareError', error: e.code };
    }
  }
}
