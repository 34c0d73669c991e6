import { maskCardNo } from '../contract/mask.ts';
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

  /** `txnId`: a new card, moved for the transaction that issues it (staff find its owner by it). */
  taken(txnId?: string): void {
    this.record({ type: 'card.taken', txnId });
  }

  async eject(txnId?: string): Promise<void> {
    this.record({ type: 'card.eject.intent', txnId });
    await this.card.eject();
    this.record({ type: 'card.ejected', txnId });
  }

  async capture(txnId?: string): Promise<void> {
    this.record({ type: 'card.capture.intent', txnId });
    await this.card.capture();
    this.record({ type: 'card.captured', txnId });
  }

  /**
   * A new card from the stacker to the reader, for the transaction that issues it, and the number
   * on it read there (journaled masked). A card that cannot be read stays at the reader for the
   * caller to capture.
   */
  async dispense(txnId: string): Promise<string> {
    this.record({ type: 'card.dispense.intent', txnId });
    await this.card.dispense();
    let cardNo: string;
    try {
      cardNo = await this.card.readCardNumber();
    } catch (e) {
      this.record({ type: 'card.dispensed', txnId, data: { cardNo: null } });
      throw e;
    }
    this.record({ type: 'card.dispensed', txnId, data: { cardNo: maskCardNo(cardNo) } });
    return cardNo;
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
