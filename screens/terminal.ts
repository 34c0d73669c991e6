import termkit from 'terminal-kit';
import { renderScreen, type RenderedScreen, type TouchButton } from './render.ts';
import type { Language } from './strings.ts';
import type { ScreenEvent, ScreenView } from './view.ts';

type Terminal = typeof termkit.terminal;

export interface KioskTerminalOptions {
  /** The configured minimum grid (DESIGN.md §8); a smaller terminal shows only a notice. */
  columns: number;
  rows: number;
  /** The language each new patient starts in. */
  language?: Language;
  /** terminal-kit's process terminal unless a test brings its own. */
  terminal?: Terminal;
}

interface MouseData {
  x: number;
  y: number;
}

/**
 * The kiosk's screen on terminal-kit: draws rendered views, turns keys and taps into screen
 * events. Digits and taps go through the same buttons the renderer laid out, so a key works
 * exactly when its button is on screen.
 */
export class KioskTerminal {
  private readonly term: Terminal;
  private readonly defaultLanguage: Language;
  private language: Language;
  private view: ScreenView | undefined;
  private rendered: RenderedScreen = { lines: [], buttons: [] };
  /** The lines on the glass now; empty when the screen must be painted afresh. */
  private drawn: string[] = [];
  private pressed: TouchButton | undefined;
  private readonly eventListeners: Array<(event: ScreenEvent) => void> = [];
  private readonly keyListeners: Array<(name: string) => void> = [];
  private started = false;

  constructor(private readonly options: KioskTerminalOptions) {
    this.term = options.terminal ?? termkit.terminal;
    this.defaultLanguage = options.language ?? 'zh';
    this.language = this.defaultLanguage;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.term.fullscreen(true);
    this.term.hideCursor();
    // 'button' is xterm button tracking with SGR coordinates: a press and a release per tap.
    this.term.grabInput({ mouse: 'button' });
    this.term.on('key', this.handleKey);
    this.term.on('mouse', this.handleMouse);
    this.term.on('resize', this.handleResize);
    // The panel's terminal can go away (a hang-up, a closed session): drawing then fails with
    // EIO, which must not crash a kiosk that is finishing a payment.
    (this.term as unknown as { stdout: NodeJS.WriteStream }).stdout.on('error', () => undefined);
  }

  draw(view: ScreenView): void {
    // A new patient starts in the default language, whatever the last one chose.
    if (view.screen === 'attract' && this.view?.screen !== 'attract') this.language = this.defaultLanguage;
    this.view = view;
    this.paint();
  }

  onEvent(listener: (event: ScreenEvent) => void): void {
    this.eventListeners.push(listener);
  }

  /** Keys that are not a button on the current screen: demo keys, CTRL_C. */
  onKey(listener: (name: string) => void): void {
    this.keyListeners.push(listener);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.term.off('key', this.handleKey);
    this.term.off('mouse', this.handleMouse);
    this.term.off('resize', this.handleResize);
    this.term.grabInput(false);
    this.term.styleReset();
    this.term.hideCursor(false);
    this.term.fullscreen(false);
  }

  private paint(): void {
    if (this.view === undefined) return;
    this.rendered = renderScreen(this.view, {
      columns: this.term.width,
      rows: this.term.height,
      language: this.language,
      minColumns: this.options.columns,
      minRows: this.options.rows,
    });
    // Views arrive on every snapshot and countdown tick: rewrite only the lines that changed, so
    // the panel does not flicker once a second.
    const previous = this.drawn;
    const lines = this.rendered.lines;
    if (previous.length !== lines.length) this.term.clear();
    lines.forEach((line, i) => {
      if (previous.length === lines.length && previous[i] === line) return;
      this.term.moveTo(1, i + 1);
      this.term.eraseLine();
      // noFormat: hospital names and HIS messages must not be read as terminal-kit markup.
      if (i === 0) this.term.inverse.noFormat(line);
      else this.term.noFormat(line);
    });
    this.drawn = lines;
  }

  private readonly handleKey = (name: string): void => {
    const button = this.rendered.buttons.find((b) => b.key === name);
    if (button) this.press(button);
    else for (const listener of this.keyListeners) listener(name);
  };

  // A tap is a press and a release on the same button, so a finger that slides off cancels.
  private readonly handleMouse = (name: string, data: MouseData): void => {
    const button = this.buttonAt(data.x - 1, data.y - 1);
    if (name === 'MOUSE_LEFT_BUTTON_PRESSED') this.pressed = button;
    else if (name === 'MOUSE_LEFT_BUTTON_RELEASED') {
      if (button !== undefined && button === this.pressed) this.press(button);
      this.pressed = undefined;
    }
  };

  private readonly handleResize = (): void => {
    this.drawn = [];
    this.paint();
  };

  private buttonAt(col: number, row: number): TouchButton | undefined {
    return this.rendered.buttons.find((b) => row >= b.row && row < b.row + b.height && col >= b.col && col < b.col + b.width);
  }

  private press(button: TouchButton): void {
    const action = button.event;
    if (action.type === 'language') {
      this.language = this.language === 'zh' ? 'en' : 'zh';
      this.paint();
      return;
    }
    for (const listener of this.eventListeners) listener(action);
  }
}
