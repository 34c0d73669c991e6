import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KioskScreen } from '../helpers/kiosk-terminal.ts';
import { Stack } from '../helpers/stack.ts';

/**
 * The satisfaction survey at the end of a visit, end to end: it is asked while the patient card
 * waits at the gate, one tap journals `survey.answered` with the rating and nothing else, the
 * fact reaches central's ledger through the outbox, and a survey skipped or left journals nothing.
 */
describe('the end-of-visit survey', () => {
  let stack: Stack | undefined;
  let kiosk: KioskScreen | undefined;
  afterEach(async () => {
    await kiosk?.stop();
    await stack?.stop();
  });

  /** The kiosk journal's `survey.answered` facts, read from its SQLite file. */
  function surveyFacts(s: Stack): Record<string, unknown>[] {
    const db = new Database(s.journalFile, { readonly: true });
    try {
      return db.prepare<[], { data: string; txn_id: string | null }>("SELECT data, txn_id FROM events WHERE type = 'survey.answered' ORDER BY seq").all().map((r) => ({ ...(JSON.parse(r.data) as object), txnId: r.txn_id }));
    } finally {
      db.close();
    }
  }

  /** What central's ledger received of the same facts (acknowledged in business terms). */
  function ledgerFacts(s: Stack): string[] {
    const db = new Database(path.join(s.dir, 'ledger.sqlite'), { readonly: true });
    try {
      return db.prepare<[], { data: string }>("SELECT data FROM facts WHERE type = 'survey.answered' ORDER BY seq").all().map((r) => r.data);
    } finally {
      db.close();
    }
  }

  async function visitAndLeave(s: Stack, k: KioskScreen) {
    await k.waitFor('请插入就诊卡', 90_000);
    await s.card.control(`insert ${s.patient.cardNo}`);
    await k.waitFor('请选择服务');
    k.press('0'); // exit: the card comes back to the gate
    await k.waitFor('您对本次自助服务满意吗');
    await k.waitFor('请取走您的就诊卡');
  }

  it('asks while the card waits at the gate; one tap journals the rating alone, and central receives it', async () => {
    stack = await Stack.start();
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'prepaid'] }));
    await visitAndLeave(stack, kiosk);
    expect((await stack.card.control('state')).cardAt).toBe('gate');
    kiosk.press('3'); // dissatisfied
    await kiosk.waitFor('谢谢您的评价');
    await kiosk.waitFor('请取走您的就诊卡');
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    expect(surveyFacts(stack)).toEqual([{ rating: 'dissatisfied', txnId: null }]);
    const until = Date.now() + 20_000;
    while (ledgerFacts(stack).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(ledgerFacts(stack).map((d) => JSON.parse(d) as unknown)).toEqual([{ rating: 'dissatisfied' }]);
  });

  it('journals nothing when the patient skips it, takes the card without answering, or leaves the card until it is captured', async () => {
    stack = await Stack.start();
    kiosk = KioskScreen.start(stack.kioskConfig({ flows: ['bills', 'prepaid'] }));

    await visitAndLeave(stack, kiosk);
    kiosk.press('0'); // skip: the card still waits
    await kiosk.waitFor(/^(?![\s\S]*满意吗)[\s\S]*请取走您的就诊卡/);
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    await visitAndLeave(stack, kiosk);
    await stack.card.control('take');
    await kiosk.waitFor('请插入就诊卡');

    // Nobody answers and nobody takes the card: the survey waits no longer than the card does.
    await visitAndLeave(stack, kiosk);
    await kiosk.waitFor('请插入就诊卡', 15_000);
    expect(await stack.card.control('state')).toMatchObject({ cardAt: 'none', binCount: 1 });

    expect(surveyFacts(stack)).toEqual([]);
  });
});
