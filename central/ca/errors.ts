/** Stable codes for everything the certificate authority refuses or fails at (docs/tls.md). */
export const caErrorCodes = [
  'BAD_NAME', // not a one-level name of 3 to 32 letters, digits or dashes
  'RESERVED_NAME', // central, broadcast, provision: topic levels with a meaning of their own
  'BAD_ROLE', // not kiosk, bridge or console
  'NAME_TAKEN', // the name (in any letter case) already belongs to another identity or role
  'OUTPUT_EXISTS', // the key or certificate file is already there; never overwrite a key in use
  'CA_INCOMPLETE', // ca.crt without ca.key: this folder can trust but not issue
  'REGISTRY_CORRUPT', // registry.json does not parse against its schema
  'CA_BUSY', // another process holds the folder's lock for too long
  'OPENSSL_MISSING', // the openssl command is not installed
  'OPENSSL_FAILED', // openssl ran and failed; its stderr is in the message
] as const;
export type CaErrorCode = (typeof caErrorCodes)[number];

/** Refusals caused by what the caller asked for, as opposed to the machine failing. */
export const caInputErrors: readonly CaErrorCode[] = ['BAD_NAME', 'RESERVED_NAME', 'BAD_ROLE', 'NAME_TAKEN', 'OUTPUT_EXISTS'];

export class CaError extends Error {
  override readonly name = 'CaError';
  constructor(
    readonly code: CaErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isCaError(e: unknown, code?: CaErrorCode): e is CaError {
  return e instanceof CaError && (code === undefined || e.code === code);
}
