/**
 * Masking of personal data for screens, logs, receipts and every payload that is not the RPC
 * that needs the clear value (DESIGN.md §1). Both sides use the same rules, so a canary test can
 * look for the clear values anywhere.
 */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

/** `310***********1234`: first 3 and last 4 kept. */
export function maskIdNumber(id: string): string {
  if (id.length <= 7) return '*'.repeat(id.length);
  return `${id.slice(0, 3)}${'*'.repeat(id.length - 7)}${id.slice(-4)}`;
}

/** Patient card numbers are not secret but still identify a person: keep the last 4. */
export function maskCardNo(cardNo: string): string {
  if (cardNo.length <= 4) return cardNo;
  return `${'*'.repeat(cardNo.length - 4)}${cardNo.slice(-4)}`;
}

/** Keeps the region (at most the first 6 characters, never more than half): `浙江省杭州市**********`. */
export function maskAddress(address: string): string {
  const chars = [...address];
  const keep = Math.min(6, Math.floor(chars.length / 2));
  return `${chars.slice(0, keep).join('')}${'*'.repeat(chars.length - keep)}`;
}
