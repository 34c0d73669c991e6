import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type IPty } from '@lydell/node-pty';
import { Terminal } from '@xterm/headless';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderScreen, type TouchButton } from '../../screens/render.ts';
import { view } from './views.ts';

const COLS = 66;
const ROWS = 19;

/** The fixture in a real pseudo-terminal, its output read back through a real terminal emulator. */
interface Harness {
  pty: IPty;
  term: Terminal;
  eventsFile: string;
  exited: Promise<number>;
}

let dir: string;
let harness: Harness;

function start(): Harness {
  const eventsFile = join(dir, 'events.jsonl');
  const pty = spawn(process.execPath, ['--import', 'tsx', 'test/screens/fixtures/show-screen.ts'], {
    name: 'xterm-256color',
    cols: COLS,
    rows: ROWS,
    cwd: process.cwd(),
    env: { ...process.env, TERM: 'xterm-256color', SCREEN_EVENTS: eventsFile },
  });
  const term = new Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true });
  pty.onData((data) => term.write(data));
  // Answers to terminal-kit's queries go back to the program, as a real terminal's would.
  term.onData((data) => pty.write(data));
  const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  return { pty, term, eventsFile, exited };
}

function screenLines(term: Terminal): string[] {
  const buffer = term.buffer.active;
  return Array.from({ length: ROWS }, (_, i) => buffer.getLine(i)?.translateToString(true) ?? '');
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function events(): string[] {
  try {
    return readFileSync(harness.eventsFile, 'utf8').split('\n').filter((line) => line !== '');
  } catch {
    return [];
  }
}

async function nextEvent(count: number): Promise<unknown> {
  const lines = await until(`event ${count}`, () => (events().length >= count ? events() : undefined));
  return JSON.parse(lines[count - 1] ?? 'null');
}

function onScreen(text: string): Promise<string[]> {
  return until(`"${text}" on screen`, () => {
    const lines = screenLines(harness.term);
    return lines.some((line) => line.includes(text)) ? lines : undefined;
  });
}

/** An SGR (mode 1006) press and release of the left button in the middle of a button; 1-based. */
function tap(button: TouchButton): void {
  const col = button.col + Math.floor(button.width / 2) + 1;
  const row = button.row + 1 + 1;
  harness.pty.write(`\x1b[<0;${col};${row}M`);
  harness.pty.write(`\x1b[<0;${col};${row}m`);
}

const layout = renderScreen(view('bills.list', { secondsLeft: 45, demoKeys: true }), { columns: COLS, rows: ROWS, language: 'zh' });
const button = (key: string): TouchButton => {
  const found = layout.buttons.find((b) => b.key === key);
  if (!found) throw new Error(`no button ${key}`);
  return found;
};

describe('KioskTerminal in a real terminal emulator (node-pty + @xterm/headless) at 66x19', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zizhu-screens-'));
    harness = start();
  });

  afterEach(async () => {
    harness.pty.kill();
    await harness.exited;
    harness.term.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws the bills list without wrapping and sends pay on key 1', async () => {
    const lines = await onScreen('合计: 128.50 元');
    expect(lines[0]).toContain('上海市第一人民医院');
    expect(lines[0]).toContain('终端 K-0001');
    expect(lines[1]).toBe('='.repeat(COLS));
    expect(lines.join('\n')).toContain('王*');
    expect(lines.join('\n')).toContain('检验科');
    expect(lines.join('\n')).toContain('88.50');
    expect(lines.join('\n')).toContain('剩余 45 秒');
    expect(lines[ROWS - 1]).toContain('演示 F2插卡');
    // What the emulator shows is exactly what the renderer laid out: nothing wrapped or shifted.
    expect(lines.map((line) => line.trimEnd())).toEqual(layout.lines);

    harness.pty.write('1');
    expect(await nextEvent(1)).toEqual({ type: 'pay' });
  });

  it('turns a tap on a button into its event, and a tap on 9 switches the language', async () => {
    await onScreen('合计: 128.50 元');
    tap(button('0'));
    expect(await nextEvent(1)).toEqual({ type: 'cancel' });

    tap(button('9'));
    const english = await onScreen('Total: 128.50 yuan');
    expect(english[0]).toContain('Kiosk K-0001');
    expect(events()).toHaveLength(1);
  });

  it('ignores a press that slides off the button before release', async () => {
    await onScreen('合计: 128.50 元');
    const pay = button('1');
    harness.pty.write(`\x1b[<0;${pay.col + 2};${pay.row + 2}M`);
    harness.pty.write(`\x1b[<0;${pay.col + 2};${pay.row - 3}m`);
    harness.pty.write('0');
    expect(await nextEvent(1)).toEqual({ type: 'cancel' });
  });

  it('redraws a countdown tick in place, leaving the rest of the screen as laid out', async () => {
    await onScreen('剩余 45 秒');
    harness.pty.write('\x1b[17~');
    const lines = await onScreen('剩余 44 秒');
    const next = renderScreen(view('bills.list', { secondsLeft: 44, demoKeys: true }), { columns: COLS, rows: ROWS, language: 'zh' });
    expect(lines.map((line) => line.trimEnd())).toEqual(next.lines);
  });

  it('gives CTRL_C to the key listener, which stops the terminal and leaves the alternate screen', async () => {
    await onScreen('合计: 128.50 元');
    harness.pty.write('\x03');
    expect(await harness.exited).toBe(0);
    expect(harness.term.buffer.active.type).toBe('normal');
  });
});
