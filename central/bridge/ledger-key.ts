import crypto from 'node:crypto';
import fs from 'node:fs';

/**
 * The secret that keeps personal data out of the ledger in clear (DESIGN.md §1): a keyed digest
 * of request arguments (enough to tell a repeat from a conflict) and AES-256-GCM sealing of what a
 * saga must replay. It lives in `<ledger>.key` (mode 0600), made once; every worker on the ledger
 * reads the same file, and a copy of the ledger without it holds no readable personal data.
 */
export class LedgerKey {
  private constructor(private readonly secret: Buffer) {}

  static beside(ledgerFile: string): LedgerKey {
    const file = `${ledgerFile}.key`;
    try {
      // wx: another worker may have made it first; then its key is the one to use.
      fs.writeFileSync(file, crypto.randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const secret = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (secret.length !== 32) throw new Error(`${file}: not a ledger key (32 bytes, base64)`);
    return new LedgerKey(secret);
  }

  digest(text: string): string {
    return crypto.createHmac('sha256', this.subkey('digest')).update(text).digest('base64url');
  }

  seal(text: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.subkey('seal'), iv);
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
  }

  unseal(sealed: string): string {
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
    if (!iv || !tag || !body) throw new Error('sealed ledger value is malformed');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.subkey('seal'), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }

  /** One key, two uses: each gets its own derived key. */
  private subkey(use: 'digest' | 'seal'): Buffer {
    return crypto.createHmac('sha256', this.secret).update(`zizhu-ledger-${use}`).digest();
  }
}
