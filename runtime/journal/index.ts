export { Journal, type JournalEntry, type JournalEvent, type MoneyDelta, type TxnRow } from './journal.ts';
export { verifyJournal, type VerifyReport } from './verify.ts';
export { crashHookFromEnv } from './crash-hook.ts';
