import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../vault/vault';
import { changeFields, queryAudit } from './audit';

const entry = (seq: number, at: string, actor: string, type: string | null, changes: AuditEntry['changes'] = [], summary = `entry ${seq}`): AuditEntry => ({
  seq,
  clientchangeid: `c${seq}`,
  at,
  actor,
  origin: 'local',
  kind: type ? 'change' : 'baseline',
  command: type ? ({ type } as AuditEntry['command']) : null,
  summary,
  changes,
  prev: '0',
  hash: String(seq),
});

const LOG: AuditEntry[] = [
  entry(1, '2026-01-01T09:00:00.000Z', 'ada', null, [], 'Imported the demo organization'),
  entry(2, '2026-02-01T09:00:00.000Z', 'ada', 'createRole', [{ table: 'roles', key: 'r1', before: null, after: { roleid: 'r1', name: 'Payer' } }]),
  entry(3, '2026-03-01T09:00:00.000Z', 'sam', 'renameRole', [{ table: 'roles', key: 'r1', before: { roleid: 'r1', name: 'Payer' }, after: { roleid: 'r1', name: 'Payments' } }]),
];

describe('querying the audit log', () => {
  it('lists every entry newest first, with the actors and types for the filter menus', () => {
    const q = queryAudit(LOG, {});
    expect(q.rows.map((r) => r.seq)).toEqual([3, 2, 1]);
    expect(q.actors).toEqual(['ada', 'sam']);
    expect(q.types).toEqual(['baseline', 'createRole', 'renameRole']);
    expect(q.rows[2]).toMatchObject({ kind: 'baseline', type: 'baseline', changes: 0 });
  });

  it('filters by period (from inclusive, to exclusive), admin and command type', () => {
    expect(queryAudit(LOG, { from: '2026-02-01T09:00:00.000Z', to: '2026-03-01T09:00:00.000Z' }).rows.map((r) => r.seq)).toEqual([2]);
    expect(queryAudit(LOG, { actor: 'sam' }).rows.map((r) => r.seq)).toEqual([3]);
    expect(queryAudit(LOG, { type: 'createRole' }).rows.map((r) => r.seq)).toEqual([2]);
  });

  it('finds entries by table/id, by id, and by a name the row had before or after', () => {
    expect(queryAudit(LOG, { object: 'roles/r1' }).rows.map((r) => r.seq)).toEqual([3, 2]);
    expect(queryAudit(LOG, { object: 'R1' }).rows.map((r) => r.seq)).toEqual([3, 2]);
    expect(queryAudit(LOG, { object: 'payments' }).rows.map((r) => r.seq)).toEqual([3]);
    expect(queryAudit(LOG, { object: 'demo' }).rows.map((r) => r.seq)).toEqual([1]);
  });
});

describe('a changed row field by field', () => {
  it('puts before beside after and marks the fields that changed', () => {
    const c = changeFields(LOG[2].changes[0]);
    expect(c).toMatchObject({ table: 'roles', key: 'r1', name: 'Payments', effect: 'updated' });
    expect(c.fields).toEqual([
      { field: 'roleid', before: 'r1', after: 'r1', changed: false },
      { field: 'name', before: 'Payer', after: 'Payments', changed: true },
    ]);
  });

  it('shows a created row with nothing before and objects as JSON', () => {
    const c = changeFields({ table: 'roles', key: 'r2', before: null, after: { roleid: 'r2', privileges: { prvReadAccount: 'Local' } } });
    expect(c.effect).toBe('created');
    expect(c.fields[1]).toEqual({ field: 'privileges', before: null, after: '{"prvReadAccount":"Local"}', changed: true });
  });
});
