import { randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { aclFor } from './acl.ts';
import { CaError } from './errors.ts';
import { caFiles, type CaFiles } from './files.ts';
import { withLock } from './lock.ts';
import { newPrivateKey, signCertificate } from './openssl.ts';
import { assertName, assertNameFree, assertRole, loadRegistry, saveRegistry, writeAtomically, type Identity, type Role } from './registry.ts';
import { reloadBroker, type BrokerReload } from './reload.ts';

const caDays = 3650;
/** The longest leaf lifetime browsers still accept; a kiosk is re-issued on its yearly service visit. */
const leafDays = 825;
/** Not a valid identity name (it has a space), so the broker's certificate can never be a client's. */
const brokerCommonName = 'zizhu broker';
const leafExtensions = ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'];

export interface IssuedCertificate {
  name: string;
  role: Role;
  cert: string;
  key: string;
  ca: string;
  serial: string;
  notAfter: string;
  broker: BrokerReload;
}

/**
 * The development certificate authority of DESIGN.md §6 in one folder: `ca.crt` (share it),
 * `ca.key` (mode 0600, never leaves the folder), `registry.json` (every name and its role) and the
 * broker's `acl`, rewritten from the registry at every issue.
 */
export class CertificateAuthority {
  private constructor(readonly files: CaFiles) {}

  /** Opens the CA in `dir`, creating the folder (0700) and a new CA on first use. */
  static open(dir: string): CertificateAuthority {
    const files = caFiles(dir);
    fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
    const ca = new CertificateAuthority(files);
    if (!fs.existsSync(files.caCert) || !fs.existsSync(files.caKey)) withLock(files.lock, () => ca.createIfAbsent());
    return ca;
  }

  private createIfAbsent(): void {
    const { caCert, caKey } = this.files;
    if (fs.existsSync(caCert)) {
      if (!fs.existsSync(caKey)) throw new CaError('CA_INCOMPLETE', `${caCert} is there but ${caKey} is not: this folder cannot issue`);
      return;
    }
    // The key goes first and the certificate last, so a present ca.crt always has its key beside it.
    writeAtomically(caKey, newPrivateKey(), 0o600);
    const cert = signCertificate({
      keyFile: caKey,
      // A suffix of its own, so an operator can tell two development CAs apart.
      subject: { O: 'zizhu', CN: `zizhu development CA ${randomBytes(4).toString('hex')}` },
      extensions: ['basicConstraints = critical, CA:TRUE, pathlen:0', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash'],
      days: caDays,
      serialHex: newSerial(),
    });
    writeAtomically(caCert, cert);
  }

  /**
   * Issues `outDir/NAME.crt` and `outDir/NAME.key` (0600), with the role as the certificate's OU,
   * copies `ca.crt` beside them (the client needs it to trust the broker), records the name,
   * rewrites the ACL and has a running broker reload it.
   */
  issue(request: { name: string; role: string; outDir: string }): IssuedCertificate {
    const { name, role } = request;
    assertName(name);
    assertRole(role);
    const outDir = path.resolve(request.outDir);
    const certFile = path.join(outDir, `${name}.crt`);
    const keyFile = path.join(outDir, `${name}.key`);
    const identity = withLock(this.files.lock, () => {
      const registry = loadRegistry(this.files.registry);
      assertNameFree(registry, name, role);
      fs.mkdirSync(outDir, { recursive: true });
      for (const file of [certFile, keyFile]) {
        if (fs.existsSync(file)) throw new CaError('OUTPUT_EXISTS', `${file} already exists; move it away to issue a new one`);
      }
      const issued = this.sign(keyFile, certFile, { O: 'zizhu', OU: role, CN: name }, ['extendedKeyUsage = clientAuth']);
      registry.identities[name] = { role, ...issued };
      saveRegistry(this.files.registry, registry);
      this.writeAcl();
      return registry.identities[name]!;
    });
    const caCopy = path.join(outDir, 'ca.crt');
    if (caCopy !== this.files.caCert) fs.copyFileSync(this.files.caCert, caCopy);
    return { name, role, cert: certFile, key: keyFile, ca: caCopy, serial: identity.serial, notAfter: identity.notAfter, broker: reloadBroker(this.files) };
  }

  identities(): Record<string, Identity> {
    return loadRegistry(this.files.registry).identities;
  }

  /** What a TLS broker on this folder needs before it starts: its certificate and a current ACL. */
  prepareBroker(): void {
    withLock(this.files.lock, () => {
      const { serverCert, serverKey } = this.files;
      if (!this.serverCertificateUsable()) {
        fs.rmSync(serverKey, { force: true });
        fs.rmSync(serverCert, { force: true });
        this.sign(serverKey, serverCert, { O: 'zizhu', OU: 'broker', CN: brokerCommonName }, [
          'extendedKeyUsage = serverAuth',
          'subjectAltName = IP:127.0.0.1, DNS:localhost',
        ]);
      }
      this.writeAcl();
    });
  }

  /** Kept across restarts unless missing, near its end, or left over from a CA since replaced. */
  private serverCertificateUsable(): boolean {
    if (!fs.existsSync(this.files.serverCert) || !fs.existsSync(this.files.serverKey)) return false;
    const server = new X509Certificate(fs.readFileSync(this.files.serverCert));
    const ca = new X509Certificate(fs.readFileSync(this.files.caCert));
    const renewBefore = Date.now() + 30 * 24 * 3600 * 1000;
    return server.verify(ca.publicKey) && new Date(server.validTo).getTime() > renewBefore;
  }

  private writeAcl(): void {
    writeAtomically(this.files.acl, aclFor(loadRegistry(this.files.registry)));
  }

  /** Writes a new key (0600, never over an existing file) and its certificate; removes the key if signing fails. */
  private sign(keyFile: string, certFile: string, subject: Record<string, string>, extensions: string[]): Omit<Identity, 'role'> {
    fs.writeFileSync(keyFile, newPrivateKey(), { mode: 0o600, flag: 'wx' });
    try {
      const pem = signCertificate({
        keyFile,
        subject,
        extensions: [...leafExtensions, ...extensions],
        days: leafDays,
        issuer: { certFile: this.files.caCert, keyFile: this.files.caKey },
        serialHex: newSerial(),
      });
      fs.writeFileSync(certFile, pem, { flag: 'wx' });
      const cert = new X509Certificate(pem);
      return { serial: cert.serialNumber, sha256: cert.fingerprint256, issuedAt: new Date().toISOString(), notAfter: new Date(cert.validTo).toISOString() };
    } catch (e) {
      fs.rmSync(keyFile, { force: true });
      throw e;
    }
  }
}

/** 128 random bits, top bit clear so the serial stays a positive integer (RFC 5280 §4.1.2.2). */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}
