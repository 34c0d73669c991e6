/**
 * The proxy's randomness: small, seeded and replayable, so a failing fault schedule can be run
 * again from the seed a test printed. Not for anything that needs real randomness.
 */

/** mulberry32: a 32-bit state generator, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One stream per name derived from the run's seed (FNV-1a over both): a connection's decisions
 * then depend on its own packets only, not on how its traffic interleaves with other connections'.
 */
export function streamFor(seed: number, name: string): () => number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (const byte of Buffer.from(name, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return mulberry32(Math.imul(hash ^ (seed >>> 0), 0x9e3779b1) >>> 0);
}
