import { beforeEach, describe, expect, it } from 'vitest';
import type { RoleAtlasApi } from '../../../../src-main/bridge/contract';
import type { ReportJobDto } from '../../../../src-main/bridge/channels/reports';
import { installApi } from '../../../testing/fakeApi';
import { useAppStore } from '../../index';
import { reportRequest, initialReportsState } from './slice';
import { periodBounds } from '../audit/selectors';

const job = (changes: Partial<ReportJobDto>): ReportJobDto => ({ jobid: 'j1', state: 'running', fraction: 0, rows: 0, total: 1000, path: '/tmp/r.xlsx', title: 'Effective access', bytes: null, error: null, ...changes });

/** A bridge whose report channels answer from a script: main's side is tested in src-main. */
function scripted(progress: ReportJobDto[], cancelled: ReportJobDto) {
  const calls: string[] = [];
  const api = {
    'reports:start': async () => (calls.push('start'), { ok: true, value: { job: job({}) } }),
    'reports:progress': async () => (calls.push('progress'), { ok: true, value: progress.shift() ?? job({ state: 'done', fraction: 1 }) }),
    'reports:cancel': async () => (calls.push('cancel'), { ok: true, value: cancelled }),
  } as unknown as RoleAtlasApi;
  installApi(api);
  return calls;
}

describe('reports slice', () => {
  beforeEach(() => useAppStore.setState(useAppStore.getInitialState(), true));

  it('starts a job and follows its progress until it is done', async () => {
    scripted([job({ fraction: 0.5, rows: 500 })], job({ state: 'cancelled' }));
    const s = useAppStore.getState();
    await s.startReport();
    expect(useAppStore.getState().reportJob).toMatchObject({ state: 'running', fraction: 0 });
    await s.pollReport();
    expect(useAppStore.getState().reportJob).toMatchObject({ state: 'running', fraction: 0.5, rows: 500 });
    await s.pollReport();
    expect(useAppStore.getState().reportJob?.state).toBe('done');
  });

  it('cancels a running job, and polls no more once it has stopped', async () => {
    const calls = scripted([], job({ state: 'cancelled', rows: 300 }));
    const s = useAppStore.getState();
    await s.startReport();
    await s.cancelReport();
    expect(useAppStore.getState().reportJob).toMatchObject({ state: 'cancelled', rows: 300 });
    await s.pollReport();
    expect(calls).toEqual(['start', 'cancel']);
  });

  it('turns the options of the chosen kind into its request', () => {
    const o = initialReportsState.reportOptions;
    expect(reportRequest('user-access', { ...o, users: [{ id: 'u1', name: 'Ada' }] })).toEqual({ ok: true, value: { kind: 'user-access', users: ['u1'] } });
    expect(reportRequest('who-has-access', { ...o, entity: 'contact', right: 'Write', minDepth: 'Deep' })).toEqual({ ok: true, value: { kind: 'who-has-access', entity: 'contact', right: 'Write', minDepth: 'Deep' } });
    expect(reportRequest('role-compare', o).ok).toBe(false);
    expect(reportRequest('audit', { ...o, from: '2026-05-01', to: '2026-05-31' })).toEqual({ ok: true, value: { kind: 'audit', ...periodBounds('2026-05-01', '2026-05-31') } });
  });

  it('reads a period of days as local midnights, the end day included', () => {
    const p = periodBounds('2026-05-01', '2026-05-01');
    expect(new Date(p.to!).getTime() - new Date(p.from!).getTime()).toBe(24 * 3600 * 1000);
    expect(new Date(p.from!).getHours()).toBe(0);
    expect(periodBounds('', 'junk')).toEqual({});
  });
});
