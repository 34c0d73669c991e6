/** The journal's tables (DESIGN.md §5). Amount columns are integer fen. */
export const journalSchema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  type TEXT NOT NULL,
  txn_id TEXT,
  data TEXT NOT NULL,
  effect TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_txn ON events(txn_id);
CREATE TABLE IF NOT EXISTS txns (
  txn_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('OPEN','SETTLED','COMPENSATED','PENDING','ABANDONED')),
  opened_at INTEGER NOT NULL,
  closed_at INTEGER,
  collected INTEGER NOT NULL DEFAULT 0,
  applied INTEGER NOT NULL DEFAULT 0,
  refunded INTEGER NOT NULL DEFAULT 0,
  change_given INTEGER NOT NULL DEFAULT 0,
  voucher INTEGER NOT NULL DEFAULT 0,
  pending INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS cash_units (denomination INTEGER PRIMARY KEY, count INTEGER NOT NULL);
`;
