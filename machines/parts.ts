import type { ScreenMeta } from './types.ts';

/** Pieces every flow machine is built from. */

/** A state's screen and voice prompt (DESIGN.md §4), typed where the machine declares it. */
export const meta = (m: ScreenMeta) => m;

/** A message with OK that ends the flow; the countdown ends it too. Whatever it told of is over: home is safe. */
export function notice(screen: string) {
  return {
    meta: meta({ screen, voice: screen, countdown: 'choiceMs', home: true }),
    on: { confirm: 'done', cancel: 'done' },
    after: { choice: 'done' },
  } as const;
}

/** What an actor's failure says, for the problem line of a screen. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
