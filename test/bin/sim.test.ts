import { describe, expect, it } from 'vitest';
import { SimProcess } from '../helpers/processes.ts';

/** `zizhu sim <kind>`: every device kind has a simulator a person or the demo can start. */
describe('zizhu sim', () => {
  for (const kind of ['idcard', 'card', 'cash', 'printer', 'report', 'scanner', 'pos']) {
    it(`${kind}: names where to connect, then takes control lines`, async () => {
      const sim = await SimProcess.start(kind);
      try {
        expect(sim.port).toMatch(kind === 'report' ? /^ipp:\/\/127\.0\.0\.1:\d+\/ipp\/print$/ : /^\/dev\/pts\/\d+$/);
        const help = await sim.control('help');
        expect(help).toMatchObject({ ok: true, command: 'help' });
        expect((help.commands as unknown[]).length).toBeGreaterThan(2);
        expect(await sim.control('no-such-command')).toMatchObject({ ok: false });
      } finally {
        await sim.stop();
      }
    });
  }
});
