import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/processes.ts';

/** DESIGN.md §2: who may import whom. Reads every import in the source folders. */
const allowed: Record<string, string[]> = {
  drivers: ['drivers'],
  machines: ['machines', 'contract'],
  screens: ['screens', 'contract', 'machines'],
  runtime: ['runtime', 'machines', 'drivers', 'screens', 'contract'],
  central: ['central', 'contract'],
  contract: ['contract'],
};
/** Packages that do I/O: a machine may not touch them (it declares actors; the runtime provides them). */
const ioPackages = ['serialport', 'mqtt', 'terminal-kit', 'better-sqlite3', 'pino', 'usb', 'node:fs', 'node:net', 'node:child_process', 'fs', 'net'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => (m[1] ?? m[2])!);
}

/** `extra` adds files that are not on disk (path → text), so the check can be shown to bite. */
function violations(extra: Record<string, string> = {}): string[] {
  const found: string[] = [];
  for (const [folder, may] of Object.entries(allowed)) {
    const files = new Map(sourceFiles(path.join(repoRoot, folder)).map((f) => [f, fs.readFileSync(f, 'utf8')]));
    for (const [f, text] of Object.entries(extra)) if (f.startsWith(path.join(repoRoot, folder) + path.sep)) files.set(f, text);
    for (const [file, text] of files) {
      for (const spec of importsOf(text)) {
        if (spec.startsWith('.')) {
          const target = path.relative(repoRoot, path.resolve(path.dirname(file), spec)).split(path.sep)[0]!;
          if (!may.includes(target)) found.push(`${path.relative(repoRoot, file)} imports ${spec} (${folder}/ may import only ${may.join(', ')})`);
        } else if (folder === 'machines' && ioPackages.includes(spec)) {
          found.push(`${path.relative(repoRoot, file)} imports ${spec}: machines do no I/O`);
        }
      }
    }
  }
  return found;
}

describe('dependency direction (DESIGN.md §2)', () => {
  it('holds for every source file', () => {
    expect(violations()).toEqual([]);
  });

  it('would catch a driver importing a flow machine', () => {
    const probe = path.join(repoRoot, 'drivers', 'core', 'probe.ts');
    const text = "import { sessionMachine } from '../../machines/session.ts';\n";
    expect(violations({ [probe]: text })).toEqual([`drivers/core/probe.ts imports ../../machines/session.ts (drivers/ may import only drivers)`]);
    const machineProbe = path.join(repoRoot, 'machines', 'probe.ts');
    expect(violations({ [machineProbe]: "import mqtt from 'mqtt';\n" })).toEqual(['machines/probe.ts imports mqtt: machines do no I/O']);
  });
});
