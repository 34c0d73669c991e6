import { screenBody, type Body } from './bodies.ts';
import { common, say, type Language } from './strings.ts';
import type { ScreenEvent, ScreenView } from './view.ts';
import { displayWidth, padEnd, sanitize, truncate } from './width.ts';

/** The kiosk's minimum grid (DESIGN.md §8): a 1080p panel at a 48 px font. */
export const MIN_COLUMNS = 66;
export const MIN_ROWS = 19;

/** Switching language is the screen's own business; the machines never see it. */
export type ButtonAction = ScreenEvent | { type: 'language' };

/** A touch target, in 0-based cells: a tap anywhere inside row..row+height, col..col+width. */
export interface TouchButton {
  key: string;
  label: string;
  row: number;
  col: number;
  width: number;
  height: number;
  event: ButtonAction;
}

/** A button before layout gives it a place on the grid. */
type Unplaced = Omit<TouchButton, 'row' | 'col' | 'width' | 'height'>;

export interface RenderedScreen {
  lines: string[];
  buttons: TouchButton[];
}

export interface RenderOptions {
  columns: number;
  rows: number;
  language: Language;
  /** The kiosk's configured minimum grid; below it the layout is not guaranteed. */
  minColumns?: number;
  minRows?: number;
}

const MARGIN = 2;
// Elderly users: targets at least 3 rows by 14 columns (reference/kiosk-os-ui.md §5.2).
const BUTTON_HEIGHT = 3;
const BUTTON_MIN_WIDTH = 14;
const BUTTON_GAP = 3;

/** Lays a view out on the grid: header, body, touch buttons, footer, demo strip. Pure. */
export function renderScreen(view: ScreenView, options: RenderOptions): RenderedScreen {
  const { columns, rows, language } = options;
  const minColumns = Math.max(MIN_COLUMNS, options.minColumns ?? MIN_COLUMNS);
  const minRows = Math.max(MIN_ROWS, options.minRows ?? MIN_ROWS);
  if (columns < minColumns || rows < minRows) {
    return { lines: [truncate(say(common.tooSmall, language, { columns: minColumns, rows: minRows }), columns)], buttons: [] };
  }
  const grid: string[] = Array.from({ length: rows }, () => '');
  const put = (row: number, text: string): void => {
    grid[row] = text;
  };

  put(0, header(view, columns, language));
  put(1, '='.repeat(columns));

  let bottom = rows - 1;
  if (view.demoKeys === true) put(bottom--, truncate(` ${say(common.demo, language)}`, columns));
  const footerRow = bottom;
  put(bottom--, footer(view, columns, language));
  put(bottom--, '-'.repeat(columns));
  const buttonTop = bottom - BUTTON_HEIGHT + 1;
  const bodyTop = 2;
  // One blank row under the rule and one above the buttons keep the body clear of both.
  const bodyHeight = buttonTop - bodyTop - 2;
  const width = columns - 2 * MARGIN;

  const body = screenBody(view, { width, height: bodyHeight, language });
  // Choices sit at the foot of the body, a blank row apart; the lines get what is left above them.
  const choiceRows = body.choices ? Math.ceil(body.choices.items.length / body.choices.columns) : 0;
  const choiceHeight = choiceRows > 0 ? choiceRows * (BUTTON_HEIGHT + 1) : 0;
  const lineRoom = bodyHeight - choiceHeight;
  const shown = body.lines.slice(0, Math.max(0, lineRoom));
  const firstRow = bodyTop + 1 + (choiceRows > 0 ? 0 : Math.floor((lineRoom - shown.length) / 2));
  shown.forEach((line, i) => {
    const text = truncate(line.text, width);
    const indent = line.align === 'center' ? Math.floor((width - displayWidth(text)) / 2) : 0;
    put(firstRow + i, ' '.repeat(MARGIN + indent) + text);
  });
  const choices = body.choices ? placeChoices(body.choices, bodyTop + 1 + bodyHeight - choiceHeight + 1, width) : [];
  for (const row of new Set(choices.map((c) => c.row))) drawButtons(choices.filter((c) => c.row === row), row, put);

  const buttons = [...choices, ...placeButtons(withLanguage(view, body, language), buttonTop, columns)];
  drawButtons(buttons.slice(choices.length), buttonTop, put);
  // Key-only bindings have no cells, so a tap never lands on them.
  const keys = (body.keys ?? []).map((k): TouchButton => ({ ...k, row: -1, col: -1, width: 0, height: 0 }));
  return { lines: grid.map((line) => line.trimEnd()), buttons: [...buttons, ...keys, ...homeKey(view, footerRow, columns, language), callStaff(view, footerRow, columns, language)] };
}

function header(view: ScreenView, columns: number, language: Language): string {
  const kiosk = say(common.kiosk, language, { id: sanitize(view.kioskId) });
  const hospital = truncate(sanitize(view.hospital), columns - displayWidth(kiosk) - 3);
  return padEnd(` ${hospital}`, columns - displayWidth(kiosk) - 1) + kiosk;
}

/** On every screen (issue 5): `*` or a tap on the footer's right end calls a member of staff. */
function callStaff(view: ScreenView, row: number, columns: number, language: Language): TouchButton {
  const label = staffText(view, language);
  const width = displayWidth(label) + 2;
  return { key: '*', label, row, col: columns - width, width, height: 1, event: { type: 'callStaff' } };
}

function staffText(view: ScreenView, language: Language): string {
  return say(view.staffCalled ? common.staffCalled : common.callStaff, language);
}

function footer(view: ScreenView, columns: number, language: Language): string {
  const staff = staffText(view, language);
  const left = view.secondsLeft === undefined ? '' : say(common.secondsLeft, language, { n: Math.max(0, Math.ceil(view.secondsLeft)) });
  const home = view.homeOffered ? say(common.home, language) : '';
  const beforeStaff = home ? padEnd(` ${left}`, homeColumn(columns, home)) + home : ` ${left}`;
  return padEnd(beforeStaff, columns - displayWidth(staff) - 1) + staff;
}

/** The home key sits in the middle of the footer, between the countdown and call-staff. */
function homeColumn(columns: number, label: string): number {
  return Math.floor((columns - displayWidth(label)) / 2);
}

/** `#` or a tap on the footer's middle: back to the menu, where the state allows it (`homeOffered`). */
function homeKey(view: ScreenView, row: number, columns: number, language: Language): TouchButton[] {
  if (!view.homeOffered) return [];
  const label = say(common.home, language);
  return [{ key: '#', label, row, col: homeColumn(columns, label), width: displayWidth(label), height: 1, event: { type: 'home' } }];
}

/** Boot-time recovery has no patient at the kiosk, so nothing to switch. */
function withLanguage(view: ScreenView, body: Body, language: Language): Unplaced[] {
  // Staff screens keep every digit for the PIN and the menu; so does a keypad that types digits
  // (a phone number, an amount), whose language was chosen on the screens before it.
  const buttons = body.buttons;
  if (view.screen === 'recovering' || view.screen.startsWith('staff.') || (body.keys ?? []).some((k) => k.key === '9')) return buttons;
  return [...buttons, { key: '9', label: say(common.language, language), event: { type: 'language' } }];
}

/** Choices from the left; the language toggle alone at the right edge, where it is always found. */
function placeButtons(specs: Unplaced[], row: number, columns: number): TouchButton[] {
  const widths = specs.map((b) => Math.max(BUTTON_MIN_WIDTH, displayWidth(buttonText(b)) + 4));
  const total = widths.reduce((a, b) => a + b, 0) + BUTTON_GAP * Math.max(0, specs.length - 1);
  // Never wider than the grid: shrink every button evenly and let truncation cut labels.
  const scale = total > columns - 2 * MARGIN ? (columns - 2 * MARGIN - BUTTON_GAP * (specs.length - 1)) / (total - BUTTON_GAP * (specs.length - 1)) : 1;
  const fitted = widths.map((w) => Math.floor(w * scale));
  let col = MARGIN;
  return specs.map((spec, i) => {
    const width = fitted[i] ?? BUTTON_MIN_WIDTH;
    const isLanguage = spec.event.type === 'language' && i === specs.length - 1;
    const at = isLanguage ? columns - MARGIN - width : col;
    col += width + BUTTON_GAP;
    return { ...spec, row, col: at, width, height: BUTTON_HEIGHT };
  });
}

/** A grid of equal boxes across the body's width, row by row, a blank column gap between them. */
function placeChoices(choices: NonNullable<Body['choices']>, top: number, width: number): TouchButton[] {
  const boxWidth = Math.floor((width - BUTTON_GAP * (choices.columns - 1)) / choices.columns);
  return choices.items.map((spec, i) => ({
    ...spec,
    row: top + Math.floor(i / choices.columns) * (BUTTON_HEIGHT + 1),
    col: MARGIN + (i % choices.columns) * (boxWidth + BUTTON_GAP),
    width: boxWidth,
    height: BUTTON_HEIGHT,
  }));
}

function buttonText(button: { key: string; label: string }): string {
  return `[${button.key}] ${button.label}`;
}

function drawButtons(buttons: TouchButton[], top: number, put: (row: number, text: string) => void): void {
  const rows = ['', '', ''];
  for (const b of buttons) {
    const inner = b.width - 2;
    const label = truncate(buttonText(b), inner - 2);
    const left = Math.floor((inner - displayWidth(label)) / 2);
    const edge = `+${'-'.repeat(inner)}+`;
    const middle = `|${' '.repeat(left)}${padEnd(label, inner - left)}|`;
    [edge, middle, edge].forEach((part, i) => {
      rows[i] = padEnd(rows[i] ?? '', b.col) + part;
    });
  }
  rows.forEach((text, i) => put(top + i, text));
}
