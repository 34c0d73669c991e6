import type { CardDispenser } from '../drivers/card/driver.ts';
import type { JournalEntry } from './journal/journal.ts';

/**
 * Every movement of a patient's card is journaled before and after (DESIGN.md §4): a card
 * captured is a card someone must hand back, and the journal is where staff find it.
 */
export class CardMoves {
  constructor(
    private readonly card: CardDispenser,
    private readonly record: (entry: JournalEntry) => void,
  ) {}

  /** The card reached the reader: a fact, nothing moved by us. */
  inserted(): void {
    this.record({ type: 'card.inserted' });
  }

  taken(): void {
    this.record({ type: 'card.taken' });
  }

  async eject(): Promise<void> {
    this.record({ type: 'card.eject.intent' });
    await this.card.eject();
    this.record({ type: 'card.ejected' });
  }

  async capture(): Promise<void> {
    this.record({ type: 'card.capture.intent' });
    await this.card.capture();
    this.record({ type: 'card.captured' });
  }

  /**
   * At boot: a card a crash left inside goes back to its owner at the gate, and is captured if
   * nobody takes it. It never starts a session: whoever stands at the kiosk now may not be the
   * patient whose card it is.
   */
  async returnLeftCard(takeCardMs: number): Promise<void> {
    const { cardAt } = await this.card.status();
    if (cardAt === 'none') return;
    if (cardAt === 'reader') await this.eject();
    if (await this.card.waitForTaken({ timeoutMs: takeCardMs, pollMs: 250 })) this.taken();
    else await this.capture();
  }
}
