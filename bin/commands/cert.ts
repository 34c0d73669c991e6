import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { assertName, assertRole, caFiles, CertificateAuthority, caInputErrors, isCaError, roles, type CaErrorCode } from '../../central/ca/index.ts';
import { exitCodes, UsageError } from '../exit.ts';

const usage = `usage: zizhu cert issue --ca DIR --name NAME --role ${roles.join('|')} --out OUTDIR
       zizhu cert list --ca DIR`;

/** The flag each refusal is about, so the message names it (DESIGN.md §8 exit 2). */
const flagOf: Partial<Record<CaErrorCode, string>> = { BAD_NAME: '--name', RESERVED_NAME: '--name', NAME_TAKEN: '--name', BAD_ROLE: '--role', OUTPUT_EXISTS: '--out' };

/**
 * `zizhu cert issue`: a client certificate from the development CA in DIR (created if absent),
 * recorded with its role; a broker running on DIR reloads its ACL at once. `zizhu cert list`:
 * every name and role. Exit 2 on bad input, 4 when openssl or the CA folder fails.
 */
export async function cert(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ca: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, out: { type: 'string' } },
  });
  const action = positionals[0];
  if (action !== 'issue' && action !== 'list') throw new UsageError(usage);
  if (!values.ca) throw new UsageError('--ca DIR is required (the CA folder, also the TLS broker\'s --data)');
  try {
    if (action === 'list') {
      if (!fs.existsSync(caFiles(values.ca).caCert)) throw new UsageError(`--ca ${values.ca}: no CA there`);
      for (const [name, identity] of Object.entries(CertificateAuthority.open(values.ca).identities())) console.log(JSON.stringify({ name, ...identity }));
      return exitCodes.ok;
    }
    const { name, role, out } = values;
    if (!name || !role || !out) throw new UsageError(`--name, --role and --out are required\n${usage}`);
    // Refuse bad input before a CA is created for it.
    assertName(name);
    assertRole(role);
    console.log(JSON.stringify(CertificateAuthority.open(values.ca).issue({ name, role, outDir: out })));
    return exitCodes.ok;
  } catch (e) {
    if (!isCaError(e)) throw e;
    if (caInputErrors.includes(e.code)) throw new UsageError(`${flagOf[e.code]}: ${e.message}`);
    console.error(`zizhu cert: ${e.code}: ${e.message}`);
    return exitCodes.device;
  }
}
