import { randomInt } from 'node:crypto';

/**
 * The seed for a test's fault schedule: ZIZHU_FAULT_SEED to replay one, a fresh one otherwise.
 * Printed as one line so a failing run's output says how to replay it.
 */
export function faultSeed(): number {
  const given = process.env.ZIZHU_FAULT_SEED;
  if (given !== undefined && !/^\d+$/.test(given)) throw new Error(`ZIZHU_FAULT_SEED must be a whole number (got ${given})`);
  const seed = given === undefined ? randomInt(2 ** 32) : Number(given) >>> 0;
  console.info(`mqtt-proxy seed=${seed}`);
  return seed;
}
