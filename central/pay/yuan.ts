/**
 * Yuan as channels and the insurance platform write it ("12.30", "-5.00") to integer fen, by
 * reading the digits: no float ever holds money (DESIGN.md §1). The other direction is
 * `formatYuan` in contract/money.ts.
 */
const yuanPattern = /^(-)?(\d{1,13})(?:\.(\d{1,2}))?$/;

/** Throws a RangeError naming the text when it is not yuan with at most two decimals. */
export function parseYuan(text: string): number {
  const match = yuanPattern.exec(text);
  if (!match) throw new RangeError(`not an amount of yuan with at most two decimals: ${JSON.stringify(text)}`);
  const fen = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] && fen !== 0 ? -fen : fen;
}

/**
 * A JSON number is already a double by the time JSON.parse hands it over; `toFixed(2)` recovers
 * the decimal text the sender wrote, and the round trip proves that no third decimal was lost.
 */
export function yuanFromWire(value: unknown): number {
  if (typeof value === 'string') return parseYuan(value);
  if (typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(2)) === value) return parseYuan(value.toFixed(2));
  throw new RangeError(`not an amount of yuan: ${JSON.stringify(value)}`);
}
