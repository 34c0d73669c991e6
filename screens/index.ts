/** screens/: what the kiosk shows and how taps and keys come back as screen events. */
export type { ScreenEvent, ScreenView } from './view.ts';
export { renderScreen, MIN_COLUMNS, MIN_ROWS, type ButtonAction, type RenderedScreen, type RenderOptions, type TouchButton } from './render.ts';
export { KioskTerminal, type KioskTerminalOptions } from './terminal.ts';
export { common, say, screenIds, strings, type Language, type ScreenId, type Text } from './strings.ts';
export { assertNoAmbiguous, displayWidth, isAmbiguous, sanitize, truncate } from './width.ts';
