import type Database from 'better-sqlite3';
import type { HisConfig } from './db.ts';

/** What every simulated function works with: the hospital's database and its clock. */
export interface SimContext {
  db: Database.Database;
  /** Epoch milliseconds; injected so tests can expire a lock or a pre-settle without waiting. */
  now: () => number;
  config: () => HisConfig;
}

/** Runs `work` as one write transaction that takes the lock at once, so a read-then-write cannot race another process. */
export function write<T>(ctx: SimContext, work: () => T): T {
  return ctx.db.transaction(work).immediate();
}
