import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeResult } from '../bridge/contract';
import { newOrganization } from '../core/model/org';
import { ScriptedDesktop } from '../session/desktop';
import { fabrikam, FABRIKAM } from '../session/fabrikam.fixture';
import { OrgSession } from '../session/orgSession';
import { Workspace } from '../session/workspace';
import { createDispatch } from './dispatch';
import { handlersFor, memoryServices, vaultServices } from './register';

const PASS = 'violet tractor sings under 42 lanterns';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-ipc-reports-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const value = <T>(r: BridgeResult<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

async function vaultApp() {
  const session = new OrgSession(newOrganization({ name: 'none', rootbusinessunitid: 'none', defaultteamid: 'none-team' }));
  const workspace = new Workspace({ dir: join(dir, 'vault'), actor: 'tester', session, kdf: { N: 1024, r: 8, p: 1 } });
  const desktop = new ScriptedDesktop();
  const dispatch = createDispatch(handlersFor(vaultServices(session, workspace, desktop)), (c, e) => {
    throw new Error(`${c} threw`, { cause: e });
  });
  const r = await workspace.create(PASS, { kind: 'empty', name: 'Northwind' });
  if (!r.ok) throw new Error(r.error.message);
  return { session, workspace, desktop, call: (channel: Parameters<typeof dispatch>[0], request: unknown) => dispatch(channel, request) };
}

function memoryApp() {
  const session = new OrgSession(fabrikam());
  const desktop = new ScriptedDesktop();
  const dispatch = createDispatch(handlersFor(memoryServices(session, desktop)));
  return { session, desktop, call: (channel: Parameters<typeof dispatch>[0], request: unknown) => dispatch(channel, request) };
}

describe('reports over the bridge', () => {
  it('asks where to save, writes the report as a job, then opens and reveals it', async () => {
    const { desktop, call } = memoryApp();
    const path = join(dir, 'matrix.csv');
    desktop.willSaveTo(path);
    const { job } = value(await call('reports:start', { report: { kind: 'role-matrix' }, format: 'csv' })) as { job: { jobid: string } };
    let state = 'running';
    for (let i = 0; i < 100 && state === 'running'; i++) {
      state = (value(await call('reports:progress', { jobid: job.jobid })) as { state: string }).state;
      await new Promise((ok) => setTimeout(ok, 10));
    }
    expect(state).toBe('done');
    expect(existsSync(path)).toBe(true);
    value(await call('reports:open', { jobid: job.jobid }));
    value(await call('reports:reveal', { jobid: job.jobid }));
    expect(desktop.opened).toEqual([path]);
    expect(desktop.revealed).toEqual([path]);
  });

  it('starts no job when the save dialog is closed', async () => {
    const { call } = memoryApp();
    expect(value(await call('reports:start', { report: { kind: 'bu-structure' }, format: 'pdf' }))).toEqual({ job: null });
  });

  it('refuses an unknown role before asking for a file, and an unknown job', async () => {
    const { call } = memoryApp();
    const r = await call('reports:start', { report: { kind: 'role-compare', left: FABRIKAM.sysadmin, right: 'role-nobody' }, format: 'csv' });
    expect(r.ok ? null : r.error.code).toBe('not-found');
    const p = await call('reports:progress', { jobid: 'nope' });
    expect(p.ok ? null : p.error.path).toBe('jobid');
  });

  it('offers the tables with their rights and the privileges', async () => {
    const { call } = memoryApp();
    const c = value(await call('reports:catalog', {})) as { entities: { logicalname: string; rights: string[] }[]; privileges: { name: string }[] };
    expect(c.entities.find((e) => e.logicalname === 'account')?.rights).toContain('Read');
    expect(c.privileges.some((p) => p.name === 'prvReadAccount')).toBe(true);
  });
});

describe('findings over the bridge', () => {
  it('reviews the organization and keeps separation-of-duty rules in the vault', async () => {
    const { call, workspace } = await vaultApp();
    const before = value(await call('findings:review', {})) as { total: number; rules: unknown[] };
    expect(before.rules).toEqual([]);
    const added = value(await call('findings:addRule', { rule: { name: 'Pay and approve', a: { kind: 'role', name: 'Payer' }, b: { kind: 'privilege', privilege: 'prvDeleteAccount' } } })) as { rules: { id: string; severity: string; b: { minDepth?: string } }[] };
    expect(added.rules).toHaveLength(1);
    expect(added.rules[0]).toMatchObject({ severity: 'high', b: { minDepth: 'Basic' } });
    expect(workspace.vaults.use().getSettings().separationOfDuty).toHaveLength(1);
    const removed = value(await call('findings:removeRule', { id: added.rules[0].id })) as { rules: unknown[] };
    expect(removed.rules).toEqual([]);
  });

  it('refuses a rule whose privilege is not a privilege name, naming the field', async () => {
    const { call } = memoryApp();
    const r = await call('findings:addRule', { rule: { name: 'x', a: { kind: 'role', name: 'A' }, b: { kind: 'privilege', privilege: 'ReadAccount' } } });
    expect(r.ok ? null : r.error.path).toMatch(/^rule\.b/);
  });

  it('finds a user breaking a stored rule (rules in memory without a vault)', async () => {
    const { call } = memoryApp();
    value(await call('findings:addRule', { rule: { name: 'Admin and sales', a: { kind: 'role', roleid: FABRIKAM.sysadmin }, b: { kind: 'privilege', privilege: 'prvReadAccount', minDepth: 'Global' } } }));
    const r = value(await call('findings:review', {})) as { findings: { rule: string; objects: { id: string }[] }[] };
    const sod = r.findings.filter((f) => f.rule === 'separation-of-duty');
    expect(sod.map((f) => f.objects[0].id)).toEqual([FABRIKAM.ada]);
  });
});

describe('the audit log over the bridge', () => {
  it('lists entries newest first, filters them, shows one before and after, and verifies the chain', async () => {
    const { call, session } = await vaultApp();
    const root = [...session.current.businessunits.values()].find((b) => b.parentbusinessunitid === null)!.businessunitid;
    value(session.applyAll([{ type: 'createBusinessUnit', name: 'Research', parentbusinessunitid: root }]));
    const all = value(await call('audit:list', {})) as { available: boolean; total: number; rows: { seq: number; type: string }[]; types: string[] };
    expect(all.available).toBe(true);
    expect(all.rows[0].type).toBe('createBusinessUnit');
    expect(all.types).toContain('baseline');
    const some = value(await call('audit:list', { object: 'research' })) as { rows: { seq: number }[] };
    expect(some.rows.map((r) => r.seq)).toEqual([all.rows[0].seq]);
    const none = value(await call('audit:list', { actor: 'someone else' })) as { rows: unknown[] };
    expect(none.rows).toEqual([]);
    const entry = value(await call('audit:entry', { seq: all.rows[0].seq })) as { changes: { table: string; effect: string; fields: { field: string; before: string | null; after: string | null }[] }[] };
    const unit = entry.changes.find((c) => c.table === 'businessunits')!;
    expect(unit.effect).toBe('created');
    expect(unit.fields.find((f) => f.field === 'name')).toEqual({ field: 'name', before: null, after: 'Research', changed: true });
    expect(value(await call('audit:verify', {}))).toMatchObject({ ok: true, entries: all.total, problems: [] });
  });

  it('has no audit log for an organization held in memory', async () => {
    const { call } = memoryApp();
    expect(value(await call('audit:list', {}))).toMatchObject({ available: false, rows: [] });
    const v = await call('audit:verify', {});
    expect(v.ok ? null : v.error.code).toBe('no-vault');
  });
});
