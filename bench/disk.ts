import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * Single-row SQLite commits per second in `dir`, with the ledger's settings (WAL,
 * `synchronous=FULL`): every money op waits on a few of these, so this is the money workload's
 * yardstick as the echo is the read workload's. Taken at the start and at the end of a run,
 * because other work on a shared machine moves it more than anything else.
 */
export function fsyncedCommitsPerSecond(dir: string, durationMs = 1000): number {
  const file = path.join(dir, `disk-probe-${process.pid}.sqlite`);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE probe (n INTEGER NOT NULL, at INTEGER NOT NULL)');
    const insert = db.prepare('INSERT INTO probe (n, at) VALUES (?, ?)');
    const until = performance.now() + durationMs;
    let commits = 0;
    while (performance.now() < until) insert.run(commits++, Date.now());
    return Math.round(commits / (durationMs / 1000));
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  }
}
