import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * Staff PINs in the kiosk's config are stored as `scrypt:SALT:HASH` (hex), made with
 * `zizhu staff pin-hash`: a copied config file does not give away the PINs, and checking one
 * needs no network, so staff can still service a kiosk whose link to central is down.
 */
const KEY_LENGTH = 32;

export function hashPin(pin: string): string {
  if (!/^[0-9]{4,8}$/.test(pin)) throw new RangeError('a PIN is 4 to 8 digits');
  const salt = randomBytes(16);
  return `scrypt:${salt.toString('hex')}:${scryptSync(pin, salt, KEY_LENGTH).toString('hex')}`;
}

export function verifyPin(pin: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split(':');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'hex');
  const actual = scryptSync(pin, Buffer.from(salt, 'hex'), expected.length);
  return timingSafeEqual(actual, expected);
}

export const pinHashPattern = /^scrypt:[0-9a-f]{32}:[0-9a-f]{64}$/;
