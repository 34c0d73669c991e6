import { spawn, type IPty } from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { zizhuBin } from './processes.ts';

/**
 * A kiosk process in a real pseudo-terminal, its output fed through a real terminal emulator
 * (DESIGN.md §8): tests read the screen a patient would see and type the keys a patient would.
 */
export class KioskScreen {
  readonly term: xterm.Terminal;
  readonly exited: Promise<number>;
  private constructor(readonly pty: IPty, cols: number, rows: number) {
    this.term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
    pty.onData((d) => this.term.write(d));
    this.exited = new Promise((resolve) => pty.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode)));
  }

  static start(configFile: string, env: Record<string, string> = {}, cols = 66, rows = 19): KioskScreen {
    return KioskScreen.run(['kiosk', '--config', configFile], env, cols, rows);
  }

  /** Any `zizhu` command that draws the kiosk in its terminal (`zizhu demo`). */
  static run(args: string[], env: Record<string, string> = {}, cols = 66, rows = 19): KioskScreen {
    const pty = spawn(zizhuBin, args, {
      name: 'xterm-256color',
      cols,
      rows,
      env: { ...(process.env as Record<string, string>), TERM: 'xterm-256color', ...env },
    });
    return new KioskScreen(pty, cols, rows);
  }

  text(): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < this.term.rows; i++) lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
    return lines.join('\n');
  }

  /** Resolves when the screen shows `text`; rejects if the kiosk exits first or time runs out. */
  async waitFor(text: string | RegExp, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const screen = this.text();
      if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) return;
      if (exited) throw new KioskExited(`kiosk exited while waiting for ${String(text)}`);
      if (Date.now() > until) throw new Error(`screen never showed ${String(text)}; it shows:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  press(keys: string): void {
    this.pty.write(keys);
  }

  async stop(): Promise<void> {
    try {
      this.pty.kill('SIGTERM');
    } catch {
      return;
    }
    // A kiosk mid-payment finishes what it is doing first; one that has not stopped in 5 s is
    // killed, so a failed test leaves no kiosk behind.
    const stopped = await Promise.race([this.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5000))]);
    if (stopped) return;
    try {
      this.pty.kill('SIGKILL');
    } catch {
      return;
    }
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000))]);
  }
}

export class KioskExited extends Error {}
