import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CaError } from './errors.ts';

/** Runs Debian's `openssl` (docs/decisions.md: why not a JavaScript X.509 library) and returns its stdout. */
export function openssl(args: string[]): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const failure = e as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw new CaError('OPENSSL_MISSING', 'the openssl command is not installed (Debian package openssl)');
    throw new CaError('OPENSSL_FAILED', `openssl ${args[0]} failed: ${(failure.stderr ?? failure.message).trim()}`);
  }
}

/** A new P-256 private key in PEM: small, fast, and what both Mosquitto's OpenSSL and Node accept. */
export function newPrivateKey(): string {
  return openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
}

export interface CertificateRequest {
  keyFile: string;
  subject: Record<string, string>;
  /** OpenSSL x509v3 extension lines, e.g. `extendedKeyUsage = clientAuth`. */
  extensions: string[];
  days: number;
  /** Sign with this CA; without it the certificate signs itself (the CA's own). */
  issuer?: { certFile: string; keyFile: string };
  serialHex: string;
}

/**
 * One `openssl req -x509` run with a configuration of our own, so that nothing from the system's
 * openssl.cnf (whose default x509 extensions make every certificate a CA) leaks in. It goes in a
 * private temporary file: openssl cannot open Node's stdin socket as a file. Subject values are
 * validated names, never free text, so they cannot break the file format.
 */
export function signCertificate(request: CertificateRequest): string {
  const config = [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    'x509_extensions = ext',
    '[dn]',
    ...Object.entries(request.subject).map(([k, v]) => `${k} = ${v}`),
    '[ext]',
    ...request.extensions,
    '',
  ].join('\n');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'zizhu-ca-'));
  try {
    const configFile = path.join(scratch, 'req.cnf');
    fs.writeFileSync(configFile, config, { mode: 0o600 });
    const args = ['req', '-new', '-x509', '-config', configFile, '-key', request.keyFile, '-days', String(request.days), '-set_serial', `0x${request.serialHex}`];
    if (request.issuer) args.push('-CA', request.issuer.certFile, '-CAkey', request.issuer.keyFile);
    return openssl(args);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
