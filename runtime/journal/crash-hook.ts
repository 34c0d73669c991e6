/**
 * Fault injection for the crash tests (DESIGN.md §8): with `ZIZHU_CRASH_AFTER_JOURNAL=n` the
 * kiosk kills itself with SIGKILL right after its n-th journal commit, so a test can stop a
 * journey at every durable step in turn. SIGKILL, not exit: no handler, no flush, like a power cut.
 */
export function crashHookFromEnv(env: NodeJS.ProcessEnv = process.env): (() => void) | undefined {
  const raw = env.ZIZHU_CRASH_AFTER_JOURNAL;
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ZIZHU_CRASH_AFTER_JOURNAL must be a positive integer, got "${raw}"`);
  let writes = 0;
  return () => {
    writes += 1;
    if (writes === n) process.kill(process.pid, 'SIGKILL');
  };
}
