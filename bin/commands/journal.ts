import { parseArgs } from 'node:util';
import { formatYuan } from '../../contract/money.ts';
import { verifyJournal } from '../../runtime/journal/verify.ts';
import { exitCodes, UsageError } from '../exit.ts';

/** `zizhu journal verify --db FILE [--json]`: 0 intact, 1 a problem (named), 2 no such file. */
export async function journal(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { db: { type: 'string' }, json: { type: 'boolean' } } });
  if (positionals[0] !== 'verify') throw new UsageError('usage: zizhu journal verify --db FILE [--json]');
  if (!values.db) throw new UsageError('--db FILE is required');
  let report;
  try {
    report = verifyJournal(values.db);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') {
      console.error(`zizhu journal verify: --db ${values.db}: no such file`);
      return exitCodes.usage;
    }
    throw e;
  }
  if (values.json) console.log(JSON.stringify(report));
  else if (report.ok) {
    console.log(
      `journal ${report.journalId}: intact, ${report.events} events, ${report.txns} transactions, ` +
        `${report.open.count} open (${formatYuan(report.open.fen)} yuan), ${report.pending.count} pending (${formatYuan(report.pending.fen)} yuan)`,
    );
  } else {
    for (const p of report.problems) console.log(`${p.txnId ? `transaction ${p.txnId}` : `event ${p.seq}`}: ${p.problem}`);
  }
  return report.ok ? exitCodes.ok : exitCodes.checkFailed;
}
