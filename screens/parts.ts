import { formatYuan } from '../contract/money.ts';
import { pageOf, PER_PAGE } from '../machines/paging.ts';
import { common, say, type Language, type Text } from './strings.ts';
import type { ScreenEvent, ScreenView } from './view.ts';
import { sanitize, truncate, wrap } from './width.ts';

/** The pieces every screen body is built from, shared by the core screens and each flow's (screens/flows/). */
export interface BodyLine {
  text: string;
  /** Messages are centred; tables are left-aligned so their columns line up. */
  align: 'center' | 'left';
}

export interface ButtonSpec {
  key: string;
  label: string;
  event: ScreenEvent;
}

export interface Body {
  lines: BodyLine[];
  buttons: ButtonSpec[];
  /**
   * Touch targets in the body, below its lines, for a screen where the patient picks one of
   * several (the menu, a department, a doctor): a grid of big buttons, keys 1 to 6.
   */
  choices?: { columns: 2 | 3; items: ButtonSpec[] };
  /** Keys that act without a touch target of their own: a PIN's digits, a staff menu's numbers. */
  keys?: ButtonSpec[];
}

/** The part of the screen between header and buttons: what a screen id says and offers. */
export interface BodyArea {
  width: number;
  height: number;
  language: Language;
}

export type Builder = (view: ScreenView, area: BodyArea) => Body;

export const center = (text: string): BodyLine => ({ text, align: 'center' });
export const left = (text: string): BodyLine => ({ text, align: 'left' });
export const blank: BodyLine = center('');

/** A screen that only says something: one or more messages, no choice. */
export function message(...texts: Text[]): Builder {
  return (_view, { language, width }) => ({ lines: lines(language, width, ...texts), buttons: [] });
}

export function yuan(amountFen: number, language: Language): string {
  return say(common.yuan, language, { amount: formatYuan(amountFen) });
}

/** Text from the HIS or the bank: sanitised, at most two lines. */
export function reason(view: ScreenView, { language, width }: BodyArea): BodyLine[] {
  if (view.problem === undefined || view.problem.trim() === '') return [];
  const wrapped = wrap(say(common.reason, language, { text: sanitize(view.problem) }), width);
  const shown = wrapped.slice(0, 2);
  if (wrapped.length > 2) shown[1] = truncate(`${shown[1]} ${wrapped[2]}`, width);
  return shown.map(center);
}

export function lines(language: Language, width: number, ...texts: Text[]): BodyLine[] {
  return texts.flatMap((t) => wrap(say(t, language), width).map(center));
}

export const ok = (language: Language): ButtonSpec => ({ key: '1', label: say(common.ok, language), event: { type: 'confirm' } });
export const exit = (language: Language): ButtonSpec => ({ key: '0', label: say(common.exit, language), event: { type: 'cancel' } });
export const cancel = (language: Language): ButtonSpec => ({ key: '0', label: say(common.cancel, language), event: { type: 'cancel' } });

/**
 * One page of a list as choices (keys 1 to PER_PAGE, each sending `select` with the item's index
 * in the whole list), and the page keys 7 and 8 when the list has more than one page.
 */
export function pagedChoices<T>(
  items: readonly T[],
  page: number,
  /** Six choices need three columns at the minimum grid (two rows of boxes); two columns hold four. */
  o: { label: (item: T) => string; language: Language; columns?: 2 | 3; event?: (item: T, index: number) => ScreenEvent },
): { choices: NonNullable<Body['choices']>; pageButtons: ButtonSpec[]; pageLine: BodyLine[] } {
  const { language } = o;
  const eventOf = o.event ?? ((_item: T, index: number): ScreenEvent => ({ type: 'select', index }));
  const { first, pages, current } = pageOf(items.length, page);
  const shown = items.slice(first, first + PER_PAGE);
  const choices = { columns: o.columns ?? 3, items: shown.map((item, i): ButtonSpec => ({ key: String(i + 1), label: o.label(item), event: eventOf(item, first + i) })) };
  if (pages <= 1) return { choices, pageButtons: [], pageLine: [] };
  return {
    choices,
    pageButtons: [
      ...(current > 0 ? [{ key: '7', label: say(common.previous, language), event: { type: 'page', delta: -1 } } as ButtonSpec] : []),
      ...(current < pages - 1 ? [{ key: '8', label: say(common.next, language), event: { type: 'page', delta: 1 } } as ButtonSpec] : []),
    ],
    pageLine: [center(say(common.page, language, { n: current + 1, of: pages }))],
  };
}
