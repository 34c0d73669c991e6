import { afterEach, describe, expect, it } from 'vitest';
import { HttpHis } from '../../../central/his/http-adapter.ts';
import { runZizhu } from '../../helpers/processes.ts';
import { cleanUp, refusedWith, serveChild, simulator, tempDir } from './harness.ts';

afterEach(cleanUp);

describe('zizhu his-sim serve and config (child processes)', () => {
  it('config shows the settings and changes them for every process on the folder, a running server included', async () => {
    const data = tempDir();
    const { url } = await serveChild(data);
    const his = new HttpHis({ baseUrl: url });
    const shown = await runZizhu(['his-sim', 'config', '--data', data]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual({ prepaid: false, cardFeeFen: 0 });
    expect(await refusedWith(his.recharge({ patientId: 'P0001', tradeNo: 'T-CZ', payment: { method: 'card', amountFen: 100, rrn: '1', trace: '1', batch: '1', authCode: '', panMasked: '', tid: '', mid: '', settleDate: '2025-06-02' } }))).toEqual({ code: 'NOT_OFFERED', kind: 'definite' });

    const changed = await runZizhu(['his-sim', 'config', '--data', data, '--prepaid', 'on', '--card-fee', '500']);
    expect(JSON.parse(changed.stdout)).toEqual({ prepaid: true, cardFeeFen: 500 });
    expect(await his.accountBalance({ patientId: 'P0001' })).toMatchObject({ rechargeOffered: true });
    expect(simulator(data).config()).toEqual({ prepaid: true, cardFeeFen: 500 });
  });

  it('exits 2 on a missing or bad flag', async () => {
    const data = tempDir();
    const cases = [
      ['his-sim', 'serve', '--port', '0'],
      ['his-sim', 'serve', '--data', data],
      ['his-sim', 'serve', '--data', data, '--port', 'http'],
      ['his-sim', 'config', '--data', data, '--prepaid', 'maybe'],
      ['his-sim', 'config', '--data', data, '--card-fee', '1.5'],
      ['his-sim', 'fault', '--data', data, '--fn', 'refund', '--mode', 'down'],
    ];
    const results = await Promise.all(cases.map((args) => runZizhu(args)));
    expect(results.map((r) => r.code)).toEqual(cases.map(() => 2));
    expect(results[2]!.stderr).toContain('--port');
    expect(results[3]!.stderr).toContain('--prepaid');
  });

  it('fault names every port function as a valid --fn', async () => {
    const data = tempDir();
    const set = await runZizhu(['his-sim', 'fault', '--data', data, '--fn', 'dischargeSettle', '--mode', 'commitThenSilent', '--once']);
    expect(set.code).toBe(0);
    expect(simulator(data).faults()).toEqual({ dischargeSettle: { mode: 'commitThenSilent', once: true } });
  });
});
