import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromInterchange } from '../core/interchange/toState';
import { BU, contoso } from '../../test/fixtures/orgCharts';
import { ScriptedDesktop } from './desktop';
import { OrgSession } from './orgSession';
import { Transfer } from './transfer';
import { Workspace } from './workspace';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/solutions/', import.meta.url));
const SALES_REP = '6a1c2e44-97d3-4f0b-9c1e-2b7d5a3e8f10';
const SERVICE_LEAD = '0b8f6d21-3c4a-4e55-8a9b-7c6d5e4f3a21';
const dir = mkdtempSync(join(tmpdir(), 'roleatlas-transfer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setUp(options: { now?: () => number } = {}) {
  const session = new OrgSession(contoso());
  const desktop = new ScriptedDesktop();
  let n = 0;
  const transfer = new Transfer(session, desktop, { newId: () => `id-${++n}`, ...options });
  return { session, desktop, transfer };
}

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const roleNamed = (s: OrgSession, name: string) => [...s.current.roles.values()].find((r) => r.name === name);

describe('importing security roles', () => {
  it('previews new roles, the custom tables they add, and no errors', async () => {
    const { desktop, transfer } = setUp();
    desktop.willOpen([join(FIXTURES, 'unpacked'), join(FIXTURES, 'customizations.xml')]);
    const p = ok(await transfer.previewRoles('files'))!;
    expect(p.sources).toEqual(['unpacked', 'customizations.xml']);
    expect(p.roles.new.map((r) => r.name).sort()).toEqual(['Contoso Marketing Analyst', 'Contoso Sales Rep', 'Contoso Service Lead']);
    expect(p.errors).toEqual([]);
    expect(p.customentities).toEqual([]);
    expect(p.roles.new.find((r) => r.name === 'Contoso Sales Rep')!.counts).toEqual({ known: 16, inferred: 0, unverified: 3 });
    expect(p.profiles.new.map((x) => x.name).sort()).toEqual(['WhatsApp Admins', 'Workstream Secrets']);
  });

  it('answers null when the dialog is cancelled', async () => {
    const { transfer } = setUp();
    expect(ok(await transfer.previewRoles('folder'))).toBeNull();
  });

  it('applies only the roles ticked, as one undo step that undo takes back', async () => {
    const { session, desktop, transfer } = setUp();
    desktop.willOpen([join(FIXTURES, 'unpacked')]);
    const p = ok(await transfer.previewRoles('folder'))!;
    const r = ok(transfer.applyRoles(p.importid, { roles: [SALES_REP], profiles: [] }));
    expect(r.message).toBe('Import roles from unpacked');
    expect(roleNamed(session, 'Contoso Sales Rep')?.privileges.prvReadcat_UserSetting).toBe('Basic');
    expect(roleNamed(session, 'Contoso Service Lead')).toBeUndefined();
    expect(session.current.fieldsecurityprofiles.size).toBe(0);
    expect(session.history().undoLabel).toBe('Import roles from unpacked');
    ok(session.undo());
    expect(roleNamed(session, 'Contoso Sales Rep')).toBeUndefined();
    // Tables met only through privileges are not added: their privileges are unverified, and leave with the role.
    expect(session.current.entities.size).toBe(0);
  });

  it('is undone in the vault too, where a custom table has no inverse', async () => {
    const session = new OrgSession(contoso());
    const workspace = new Workspace({ dir: join(dir, 'vault'), actor: 'tester', session, kdf: { N: 1024, r: 8, p: 1 } });
    ok(await workspace.create('correct horse battery staple', { kind: 'demo' }));
    const desktop = new ScriptedDesktop().willOpen([join(FIXTURES, 'unpacked')]);
    const transfer = new Transfer(session, desktop);
    const p = ok(await transfer.previewRoles('folder'))!;
    ok(transfer.applyRoles(p.importid, { roles: [SALES_REP], profiles: p.profiles.new.map((x) => x.sourceprofileid) }));
    expect(roleNamed(session, 'Contoso Sales Rep')).toBeDefined();
    ok(session.undo());
    expect(roleNamed(session, 'Contoso Sales Rep')).toBeUndefined();
    expect([...session.current.fieldsecurityprofiles.values()].some((x) => x.name === 'Workstream Secrets')).toBe(false);
    workspace.lock();
  });

  it('shows a changed role privilege by privilege, before and after', async () => {
    const { session, desktop, transfer } = setUp();
    ok(session.applyAll([{ type: 'createRole', roleid: SERVICE_LEAD, name: 'Contoso Service Lead', privileges: { prvReadIncident: 'Global', prvReadAccount: 'Basic' } }]));
    desktop.willOpen([join(FIXTURES, 'unpacked')]);
    const p = ok(await transfer.previewRoles('folder'))!;
    const lead = p.roles.changed.find((r) => r.name === 'Contoso Service Lead')!;
    expect(lead.matchedby).toBe('id');
    expect(lead.changes).toContainEqual({ privilege: 'prvReadIncident', displayname: expect.stringMatching(/Read/), before: 'Global', after: 'Deep' });
    expect(lead.changes).toContainEqual(expect.objectContaining({ privilege: 'prvReadAccount', before: 'Basic', after: null }));
  });

  it('still applies after an unrelated change, with exactly the previewed commands', async () => {
    const { session, desktop, transfer } = setUp();
    desktop.willOpen([join(FIXTURES, 'unpacked')]);
    const p = ok(await transfer.previewRoles('folder'))!;
    ok(session.applyAll([{ type: 'updateBusinessUnit', businessunitid: BU.service, name: 'Support' }]));
    ok(transfer.applyRoles(p.importid, { roles: [SALES_REP, SERVICE_LEAD], profiles: [] }));
    expect(roleNamed(session, 'Contoso Service Lead')).toBeDefined();
  });

  it('refuses when the organization changed since the preview in a way that changes the import', async () => {
    const { session, desktop, transfer } = setUp();
    desktop.willOpen([join(FIXTURES, 'unpacked')]);
    const p = ok(await transfer.previewRoles('folder'))!;
    ok(session.applyAll([{ type: 'createRole', name: 'Contoso Sales Rep', privileges: { prvReadAccount: 'Global' } }]));
    const r = transfer.applyRoles(p.importid, { roles: [SALES_REP], profiles: [] });
    expect(r).toMatchObject({ ok: false, error: { code: 'changed-since-preview' } });
    if (!r.ok) expect(r.error.message).toMatch(/changed since this preview.*preview the files again/);
    expect(roleNamed(session, 'Contoso Sales Rep')?.privileges).toEqual({ prvReadAccount: 'Global' });
  });

  it('blocks applying when a file has errors, and says which file and line', async () => {
    const { session, desktop, transfer } = setUp();
    desktop.willOpen([join(FIXTURES, 'unpacked'), join(FIXTURES, 'hostile/billion-laughs.xml')]);
    const p = ok(await transfer.previewRoles('files'))!;
    expect(p.errors).toEqual([expect.objectContaining({ file: expect.stringMatching(/billion-laughs\.xml$/), line: 2, message: expect.stringMatching(/document type declarations/) })]);
    const before = session.current;
    expect(transfer.applyRoles(p.importid, { roles: [SALES_REP], profiles: [] })).toMatchObject({ ok: false, error: { code: 'import-has-errors' } });
    expect(session.current).toBe(before);
  });

  it('says so when the files hold no roles', async () => {
    const { desktop, transfer } = setUp();
    const empty = join(dir, 'empty.xml');
    writeFileSync(empty, '<FieldSecurityProfiles />');
    desktop.willOpen([empty]);
    const p = ok(await transfer.previewRoles('files'))!;
    expect(p.errors.map((e) => e.message)).toEqual(['holds no security roles or field security profiles']);
  });

  it('refuses an import id that was applied, discarded or expired', async () => {
    let now = 0;
    const { desktop, transfer } = setUp({ now: () => now });
    desktop.willOpen([join(FIXTURES, 'unpacked')]).willOpen([join(FIXTURES, 'unpacked')]);
    const a = ok(await transfer.previewRoles('folder'))!;
    const b = ok(await transfer.previewRoles('folder'))!;
    transfer.discard(a.importid);
    expect(transfer.applyRoles(a.importid, { roles: [SALES_REP], profiles: [] })).toMatchObject({ ok: false, error: { code: 'import-expired' } });
    now += 31 * 60_000;
    expect(transfer.applyRoles(b.importid, { roles: [SALES_REP], profiles: [] })).toMatchObject({ ok: false, error: { code: 'import-expired' } });
  });

  it('refuses to apply when nothing is ticked', async () => {
    const { desktop, transfer } = setUp();
    desktop.willOpen([join(FIXTURES, 'unpacked')]);
    const p = ok(await transfer.previewRoles('folder'))!;
    expect(transfer.applyRoles(p.importid, { roles: [], profiles: [] })).toMatchObject({ ok: false, error: { code: 'nothing-chosen' } });
  });
});

describe('importing users from CSV', () => {
  it('lists the users of a valid file and adds them all as one undo step', async () => {
    const { session, desktop, transfer } = setUp();
    const before = session.current.systemusers.size;
    desktop.willOpen([join(FIXTURES, 'users.csv')]);
    const p = ok(await transfer.previewUsers())!;
    expect(p.errors).toEqual([]);
    expect(p.users.map((u) => u.domainname)).toEqual(['quinn@contoso.com', 'morgan@contoso.com', 'taylor@contoso.com']);
    const r = ok(transfer.applyUsers(p.importid));
    expect(r.message).toBe('Import 3 user(s) from users.csv');
    expect(session.current.systemusers.size).toBe(before + 3);
    ok(session.undo());
    expect(session.current.systemusers.size).toBe(before);
  });

  it('reports every bad row with its column and reason, and adds nobody', async () => {
    const { session, desktop, transfer } = setUp();
    desktop.willOpen([join(FIXTURES, 'users-bad.csv')]);
    const p = ok(await transfer.previewUsers())!;
    expect(p.errors).toContainEqual({ row: 3, column: 'businessunit', reason: 'no business unit has the name or id "Atlantis"' });
    expect(p.errors.length).toBe(10);
    const before = session.current;
    expect(transfer.applyUsers(p.importid)).toMatchObject({ ok: false, error: { code: 'import-has-errors' } });
    expect(session.current).toBe(before);
  });

  it('adds the same users after an unrelated change, and refuses when a sign-in name was taken since', async () => {
    const a = setUp();
    a.desktop.willOpen([join(FIXTURES, 'users.csv')]);
    const p = ok(await a.transfer.previewUsers())!;
    ok(a.session.applyAll([{ type: 'updateBusinessUnit', businessunitid: BU.service, name: 'Support' }]));
    expect(a.transfer.applyUsers(p.importid)).toMatchObject({ ok: false, error: { code: 'changed-since-preview' } });

    const b = setUp();
    b.desktop.willOpen([join(FIXTURES, 'users.csv')]);
    const q = ok(await b.transfer.previewUsers())!;
    ok(b.session.applyAll([{ type: 'updateBusinessUnit', businessunitid: BU.west, name: 'Sales West Coast' }]));
    ok(b.transfer.applyUsers(q.importid));
    expect([...b.session.current.systemusers.values()].find((u) => u.domainname === 'quinn@contoso.com')?.systemuserid).toMatch(/^id-/);
  });
});

describe('exporting', () => {
  it('writes the organization as interchange JSON that reads back the same, and shows it in its folder', async () => {
    const { session, desktop, transfer } = setUp();
    const path = join(dir, 'contoso.json');
    desktop.willSaveTo(path);
    const r = ok(await transfer.exportOrganization())!;
    expect(r.path).toBe(path);
    expect(r.bytes).toBe(readFileSync(path).byteLength);
    const back = fromInterchange(JSON.parse(readFileSync(path, 'utf8')));
    expect(back.ok && back.value.systemusers.size).toBe(session.current.systemusers.size);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    ok(transfer.reveal(path));
    expect(desktop.revealed).toEqual([path]);
    expect(transfer.reveal('/etc/passwd')).toMatchObject({ ok: false, error: { code: 'not-exported' } });
  });

  it('writes nothing when the save dialog is cancelled', async () => {
    const { desktop, transfer } = setUp();
    desktop.willSaveTo(null);
    expect(ok(await transfer.exportOrganization())).toBeNull();
  });

  it('writes roles and profiles as an unpacked solution, naming role files it did not write', async () => {
    const { desktop, transfer } = setUp();
    const folder = join(dir, 'solution');
    mkdirSync(join(folder, 'Roles'), { recursive: true });
    writeFileSync(join(folder, 'Roles', 'Old Role.xml'), '<Role />');
    desktop.willOpen([folder]);
    const r = ok(await transfer.exportSolution())!;
    expect(r.files).toContain('Roles/Salesperson.xml');
    expect(r.files).toContain('Other/FieldSecurityProfiles.xml');
    expect(r.roles).toBe(contoso().roles.size);
    expect(r.stale).toEqual(['Roles/Old Role.xml']);
    expect(existsSync(join(folder, 'Other', 'FieldSecurityProfiles.xml'))).toBe(true);
    ok(transfer.reveal(folder));
  });
});
