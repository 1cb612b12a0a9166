import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrg, writeOrg } from '../io';
import { CliError } from '../errors';
import { contoso } from '../../../test/fixtures/orgCharts';
import { importRoles } from './importRoles';
import { exportRoles } from './exportRoles';
import { importUsers } from './importUsers';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/solutions/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'roleatlas-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let out: string[];
let org: string;
beforeEach(() => {
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  org = join(dir, `org-${Math.random().toString(36).slice(2)}.json`);
  writeOrg(org, contoso());
});
afterEach(() => vi.restoreAllMocks());

const stdout = () => out.join('');
async function refused(run: () => unknown): Promise<CliError> {
  try {
    await run();
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
  throw new Error('expected the command to be refused');
}

describe('roleatlas import-roles', () => {
  it('prints the preview and changes nothing with --dry-run', async () => {
    const before = readFileSync(org, 'utf8');
    await importRoles.run([join(FIXTURES, 'unpacked'), join(FIXTURES, 'customizations.xml'), '--org', org, '--dry-run', '--json']);
    const result = JSON.parse(stdout());
    expect(result.preview.roles.new.map((r: { name: string }) => r.name).sort()).toEqual(['Contoso Marketing Analyst', 'Contoso Sales Rep', 'Contoso Service Lead']);
    expect(result.preview.roles.new.find((r: { name: string }) => r.name === 'Contoso Sales Rep').counts).toEqual({ known: 16, inferred: 0, unverified: 3 });
    expect(result.applied).toBe(0);
    expect(readFileSync(org, 'utf8')).toBe(before);
  });

  it('rewrites the organization file when everything imported cleanly', async () => {
    await importRoles.run([join(FIXTURES, 'unpacked'), join(FIXTURES, 'customizations.xml'), '--org', org]);
    expect(stdout()).toMatch(/New roles \(3\):/);
    expect(stdout()).toMatch(/Contoso Sales Rep .*19 privileges: 16 known, 0 inferred, 3 unverified/);
    expect(stdout()).toMatch(/Applied \d+ command\(s\); wrote /);
    const state = loadOrg(org);
    expect(state.roles.get('6a1c2e44-97d3-4f0b-9c1e-2b7d5a3e8f10')!.privileges.prvReadcat_UserSetting).toBe('Basic');
  });

  it('writes nothing when one file is hostile, and says which file and line', async () => {
    const before = readFileSync(org, 'utf8');
    const e = await refused(() => importRoles.run([join(FIXTURES, 'unpacked'), join(FIXTURES, 'hostile/billion-laughs.xml'), '--org', org]));
    expect(e.message).toBe('1 problem(s) in the files; nothing was imported');
    expect(stdout()).toMatch(/error: .*billion-laughs\.xml:2: document type declarations/);
    expect(readFileSync(org, 'utf8')).toBe(before);
  });

  it('is a usage error without a path', async () => {
    expect((await refused(() => importRoles.run(['--org', org]))).exitCode).toBe(2);
  });
});

describe('roleatlas export-roles', () => {
  it('writes Roles/*.xml and Other/FieldSecurityProfiles.xml that import back unchanged', async () => {
    await importRoles.run([join(FIXTURES, 'unpacked'), join(FIXTURES, 'customizations.xml'), '--org', org]);
    const target = join(dir, `export-${Math.random().toString(36).slice(2)}`);
    await exportRoles.run(['--org', org, '--out', target]);
    expect(existsSync(join(target, 'Roles', 'Contoso Sales Rep.xml'))).toBe(true);
    expect(existsSync(join(target, 'Other', 'FieldSecurityProfiles.xml'))).toBe(true);
    out.length = 0;
    await importRoles.run([target, '--org', org, '--dry-run', '--json']);
    const result = JSON.parse(stdout());
    expect(result.preview.errors).toEqual([]);
    expect(result.preview.roles.new).toEqual([]);
    expect(result.preview.roles.changed).toEqual([]);
    expect(result.commands).toEqual([]);
  });

  it('exports only the roles asked for, and refuses an unknown one', async () => {
    await importRoles.run([join(FIXTURES, 'unpacked'), '--org', org]);
    const target = join(dir, `export-${Math.random().toString(36).slice(2)}`);
    await exportRoles.run(['--org', org, '--out', target, '--role', '{0B8F6D21-3C4A-4E55-8A9B-7C6D5E4F3A21}']);
    expect(existsSync(join(target, 'Roles', 'Contoso Service Lead.xml'))).toBe(true);
    expect(existsSync(join(target, 'Roles', 'Contoso Sales Rep.xml'))).toBe(false);
    expect((await refused(() => exportRoles.run(['--org', org, '--out', target, '--role', 'nope']))).message).toBe('role nope does not exist in the organization');
  });
});

describe('roleatlas import-users', () => {
  it('adds the users of a valid file and rewrites the organization', async () => {
    const before = loadOrg(org).systemusers.size;
    await importUsers.run([join(FIXTURES, 'users.csv'), '--org', org]);
    expect(loadOrg(org).systemusers.size).toBe(before + 3);
    expect(stdout()).toMatch(/Added 3 user\(s\)/);
  });

  it('reports every bad row and adds nobody', async () => {
    const before = readFileSync(org, 'utf8');
    const e = await refused(() => importUsers.run([join(FIXTURES, 'users-bad.csv'), '--org', org]));
    expect(e.message).toMatch(/^10 problem\(s\) in .*users-bad\.csv; no user was added$/);
    expect(stdout()).toMatch(/row 3, businessunit: no business unit has the name or id "Atlantis"/);
    expect(readFileSync(org, 'utf8')).toBe(before);
  });

  it('changes nothing with --dry-run', async () => {
    const before = readFileSync(org, 'utf8');
    await importUsers.run([join(FIXTURES, 'users.csv'), '--org', org, '--dry-run']);
    expect(stdout()).toMatch(/Dry run: 3 user\(s\)/);
    expect(readFileSync(org, 'utf8')).toBe(before);
  });
});
