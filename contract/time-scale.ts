/**
 * One time scale for every process (DESIGN.md §8 "Time"): with ZIZHU_TIME_SCALE=30 the kiosk, the
 * bridge and every simulator live 30 times faster, so a fault test runs production-length
 * deadlines (a 45 s QR deadline, a 10 min slot lock) in seconds of real time.
 *
 * Durations scale; timestamps do not. A duration that decides behaviour (a countdown, a deadline,
 * a retry pause, the life of a lock) goes through `scaled()` exactly once, where it enters its
 * process: the kiosk's config as loaded, a command's flags, a built-in default. A duration a
 * caller passes explicitly to a class is already in real milliseconds and is not scaled again.
 * Timestamps (Date.now() written to journals, ledgers, receipts, a lock's expiry instant) stay
 * wall-clock, so the four records of a payment still line up with each other and with the world.
 * Device protocol timing (ACK timeouts, framing) models the wire, not the world, and never scales.
 */

export const timeScaleVariable = 'ZIZHU_TIME_SCALE';

export class TimeScaleError extends Error {
  override readonly name = 'TimeScaleError';
}

/** The scale this process runs at: 1 unless ZIZHU_TIME_SCALE says otherwise. */
export function timeScale(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[timeScaleVariable];
  if (text === undefined) return 1;
  const scale = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new TimeScaleError(`${timeScaleVariable} must be a positive number, e.g. 30 (got "${text}")`);
  return scale;
}

/** `ms` of production time at this scale, in real milliseconds (at least 1). */
export function scaled(ms: number, scale = timeScale()): number {
  return Math.max(1, Math.round(ms / scale));
}
