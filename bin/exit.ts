/** Exit codes of every zizhu command (DESIGN.md §8). */
export const exitCodes = {
  ok: 0,
  checkFailed: 1,
  usage: 2,
  userSide: 3,
  device: 4,
  centralUnreachable: 5,
} as const;

/** A usage or configuration error: the message names the flag or field. Exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Command = (argv: string[]) => Promise<number>;
