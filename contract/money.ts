/** Money is integer fen everywhere (DESIGN.md §1). The brand stops a yuan float from slipping in. */
export type Fen = number & { readonly __unit: 'fen' };

export function fen(value: number): Fen {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer amount of fen: ${value}`);
  return value as Fen;
}

export function sumFen(values: readonly number[]): Fen {
  return fen(values.reduce((a, b) => a + b, 0));
}

/** "12.30": yuan with two decimals, computed from the integer, never through a float. */
export function formatYuan(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
