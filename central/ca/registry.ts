import fs from 'node:fs';
import { z } from 'zod';
import { isValidKioskId, kioskIdPattern } from '../../contract/topics.ts';
import { CaError } from './errors.ts';

export const roles = ['kiosk', 'bridge', 'console'] as const;
export type Role = (typeof roles)[number];

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

const identitySchema = z
  .object({
    role: z.enum(roles),
    serial: z.string(),
    sha256: z.string(),
    issuedAt: z.string(),
    notAfter: z.string(),
  })
  .strict();
export type Identity = z.infer<typeof identitySchema>;

const registrySchema = z.object({ v: z.literal(1), identities: z.record(z.string(), identitySchema) }).strict();
export type Registry = z.infer<typeof registrySchema>;

/**
 * Every identity, whatever its role, follows the kiosk id rule of DESIGN.md §7: one topic level
 * with no wildcard or slash, so `%u` in an ACL pattern can never reach outside `kiosk/v1/{name}/`,
 * and none of the reserved levels (a kiosk named `broadcast` would publish where every kiosk reads).
 */
export function assertName(name: string): void {
  if (!kioskIdPattern.test(name)) {
    throw new CaError('BAD_NAME', `"${name}" is not a valid name: 3 to 32 letters, digits or dashes, starting with a letter or digit`);
  }
  if (!isValidKioskId(name)) throw new CaError('RESERVED_NAME', `"${name}" is reserved in the topic tree and cannot name an identity`);
}

export function assertRole(role: string): asserts role is Role {
  if (!isRole(role)) throw new CaError('BAD_ROLE', `"${role}" is not a role: use ${roles.join(', ')}`);
}

/**
 * A name keeps one role for life: the broker grants rights by the certificate's CN alone, so a
 * kiosk certificate carrying a bridge's name would carry the bridge's rights. Names differing only
 * in letter case are refused too, so an operator never reads KIOSK-01 for kiosk-01.
 */
export function assertNameFree(registry: Registry, name: string, role: Role): void {
  for (const [held, identity] of Object.entries(registry.identities)) {
    if (held.toLowerCase() !== name.toLowerCase()) continue;
    if (held !== name) throw new CaError('NAME_TAKEN', `"${name}" differs only in letter case from the ${identity.role} "${held}"`);
    if (identity.role !== role) throw new CaError('NAME_TAKEN', `"${name}" is already a ${identity.role}; a name keeps one role`);
  }
}

export function loadRegistry(file: string): Registry {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { v: 1, identities: {} };
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CaError('REGISTRY_CORRUPT', `${file} is not JSON`);
  }
  const registry = registrySchema.safeParse(parsed);
  if (!registry.success) throw new CaError('REGISTRY_CORRUPT', `${file}: ${registry.error.issues[0]?.message ?? 'invalid'}`);
  return registry.data;
}

export function saveRegistry(file: string, registry: Registry): void {
  writeAtomically(file, JSON.stringify(registry, null, 2) + '\n');
}

/** Readers (Mosquitto reloading its ACL, another issuer) see the old file or the new one, never half. */
export function writeAtomically(file: string, text: string, mode = 0o644): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text, { mode });
  fs.renameSync(temporary, file);
}
