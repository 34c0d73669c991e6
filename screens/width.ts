/**
 * Display width on the kiosk's terminal, and the guard against East-Asian-ambiguous characters.
 * Ambiguous characters are one cell in terminal-kit, xterm and glibc but two in a CJK font, so a
 * screen that uses them overlaps on the panel even though every string-length test passes
 * (DESIGN.md §8, reference/kiosk-os-ui.md §3.3). screens/ keeps its own table: the printer's
 * `displayWidth` counts every non-ASCII character as two, which is wrong for a terminal.
 */

type Range = readonly [number, number];

// East Asian Wide and Fullwidth blocks a kiosk can meet: Hangul Jamo, CJK punctuation and
// ideographs, Kana, Hangul syllables, compatibility ideographs, fullwidth forms, emoji.
const WIDE: readonly Range[] = [
  [0x1100, 0x115f], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff],
  [0xa000, 0xa4cf], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe30, 0xfe4f], [0xff00, 0xff60],
  [0xffe0, 0xffe6], [0x1f300, 0x1f64f], [0x1f900, 0x1f9ff], [0x20000, 0x3fffd],
];

// Ambiguous code points (Unicode EastAsianWidth.txt, class A) in the blocks that reach UI text:
// Latin-1 signs, general punctuation (dashes, quotes, bullet, ellipsis), arrows, enclosed
// alphanumerics (circled digits), box drawing, geometric shapes, miscellaneous symbols.
const AMBIGUOUS: readonly Range[] = [
  [0xa1, 0xa1], [0xa4, 0xa4], [0xa7, 0xa8], [0xaa, 0xaa], [0xad, 0xae], [0xb0, 0xb4], [0xb6, 0xba],
  [0xbc, 0xbf], [0xc6, 0xc6], [0xd0, 0xd0], [0xd7, 0xd8], [0xde, 0xe1], [0xe6, 0xe6], [0xe8, 0xea],
  [0xec, 0xed], [0xf0, 0xf0], [0xf2, 0xf3], [0xf7, 0xfa], [0xfc, 0xfc], [0xfe, 0xfe],
  [0x2010, 0x2027], [0x2030, 0x203e], [0x2190, 0x21ff], [0x2460, 0x24ff], [0x2500, 0x257f],
  [0x25a0, 0x25ff], [0x2600, 0x26ff], [0xe000, 0xf8ff], [0xfffd, 0xfffd],
];

function inRanges(code: number, ranges: readonly Range[]): boolean {
  return ranges.some(([from, to]) => code >= from && code <= to);
}

function charWidth(ch: string): number {
  return inRanges(ch.codePointAt(0) ?? 0, WIDE) ? 2 : 1;
}

export function isAmbiguous(ch: string): boolean {
  return inRanges(ch.codePointAt(0) ?? 0, AMBIGUOUS);
}

/** Terminal columns: Wide and Fullwidth characters take two, everything else one. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return width;
}

/** Throws naming the first ambiguous-width character and where it is. */
export function assertNoAmbiguous(text: string): void {
  let index = 0;
  for (const ch of text) {
    if (isAmbiguous(ch)) {
      const code = `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      throw new Error(`ambiguous-width character ${code} at ${index} in "${text}"`);
    }
    index += 1;
  }
}

// Data from outside (department names, HIS and bank messages) may carry these; the ASCII
// stand-ins keep the meaning without the width problem.
const STAND_INS: Readonly<Record<string, string>> = {
  '\u00b7': '.', '\u2014': '-', '\u2013': '-', '\u2026': '...', '\u2018': "'", '\u2019': "'",
  '\u201c': '"', '\u201d': '"', '\u2192': '->', '\u00d7': 'x',
};

/** Makes text from outside safe to draw: no control characters, no ambiguous widths. */
export function sanitize(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) out += ' ';
    else if (isAmbiguous(ch)) out += STAND_INS[ch] ?? '?';
    else out += ch;
  }
  return out;
}

/** The longest prefix that fits `columns`, never splitting a wide character; marks a cut with "..". */
export function truncate(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  const room = columns - 2;
  if (room < 1) return cut(text, columns);
  return `${cut(text, room)}..`;
}

function cut(text: string, columns: number): string {
  let out = '';
  let width = 0;
  for (const ch of text) {
    const w = charWidth(ch);
    if (width + w > columns) break;
    out += ch;
    width += w;
  }
  return out;
}

/** Splits text into lines of at most `columns`, preferring to break at a space. */
export function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let rest = text.trim();
  while (displayWidth(rest) > columns) {
    // A column too narrow for one wide character still takes it, so the loop always advances.
    let head = cut(rest, columns) || ([...rest][0] ?? '');
    const space = head.lastIndexOf(' ');
    if (space > 0) head = head.slice(0, space);
    lines.push(head.trimEnd());
    rest = rest.slice(head.length).trimStart();
  }
  if (rest !== '' || lines.length === 0) lines.push(rest);
  return lines;
}

export function padEnd(text: string, columns: number): string {
  return text + ' '.repeat(Math.max(0, columns - displayWidth(text)));
}

export function padStart(text: string, columns: number): string {
  return ' '.repeat(Math.max(0, columns - displayWidth(text))) + text;
}
