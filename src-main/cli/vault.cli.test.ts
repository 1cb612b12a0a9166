import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/roleatlas.mjs', import.meta.url));
const ENV = { ...process.env, VAULT_PASS: 'a long vault passphrase', WRONG_PASS: 'not the passphrase' };
let dir: string;
let vault: string;
let org: string;
let demo: { systemusers: { systemuserid: string; fullname: string }[]; roles: { roleid: string; name: string; privileges: Record<string, string> }[] };

function roleatlas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: ENV });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const withPass = (...args: string[]) => roleatlas(...args, '--vault', vault, '--passphrase-env', 'VAULT_PASS');
const role = (name: string) => demo.roles.find((r) => r.name === name)!;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-vault-cli-'));
  vault = join(dir, 'contoso.vault');
  org = join(dir, 'demo.json');
  expect(spawnSync(process.execPath, [BIN, 'demo', '--out', org]).status).toBe(0);
  demo = JSON.parse(readFileSync(org, 'utf8'));
  expect(withPass('vault', 'init').code).toBe(0);
  const r = withPass('vault', 'import', org);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('roleatlas vault on the command line', () => {
  it('creates a vault folder whose files do not show the organization', () => {
    const files = readdirSync(vault);
    expect(files).toContain('vault.json');
    expect(files).toContain('snapshot.rav');
    for (const f of files) expect(readFileSync(join(vault, f), 'utf8')).not.toContain('Salesperson');
  });

  it('refuses to create a vault where one exists', () => {
    const r = withPass('vault', 'init');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already holds a vault/);
  });

  it('unlock-check opens the vault with the passphrase from --passphrase-env', () => {
    const r = withPass('vault', 'unlock-check', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ unlocked: true, systemusers: 40 });
  });

  it('unlock-check refuses a wrong passphrase with a clear error', () => {
    const r = roleatlas('vault', 'unlock-check', '--vault', vault, '--passphrase-env', 'WRONG_PASS');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/wrong passphrase/);
  });

  it('never takes the passphrase as an argument', () => {
    const r = roleatlas('vault', 'unlock-check', '--vault', vault, 'a long vault passphrase');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/never an argument/);
    expect(roleatlas('vault', 'unlock-check', '--vault', vault, '--passphrase', 'x').code).toBe(2);
  });

  it('exports the organization as it was imported', () => {
    const out = join(dir, 'export.json');
    const r = withPass('vault', 'export', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const back = JSON.parse(readFileSync(out, 'utf8'));
    expect(back.systemusers).toEqual(demo.systemusers);
    expect(back.roles.length).toBe(demo.roles.length);
  });

  it('checks, previews and diffs against the vault like against --org', () => {
    const user = demo.systemusers.find((u) => u.fullname === 'Jordan West')!.systemuserid;
    const fromVault = withPass('check', '--user', user, '--entity', 'account', '--right', 'Read', '--json');
    const fromOrg = roleatlas('check', '--org', org, '--user', user, '--entity', 'account', '--right', 'Read', '--json');
    expect(fromVault.code, fromVault.stderr).toBe(0);
    expect(JSON.parse(fromVault.stdout)).toEqual(JSON.parse(fromOrg.stdout));
    const preview = withPass('preview', '--user', user, '--entity', 'account', '--right', 'Read', '--json');
    expect(preview.code, preview.stderr).toBe(0);
    const commands = join(dir, 'diff.json');
    writeFileSync(commands, JSON.stringify([{ type: 'setRolePrivilege', roleid: role('Salesperson').roleid, privilege: 'prvReadAccount', depth: 'Global' }]));
    const d = withPass('diff', '--commands', commands, '--json');
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout).changes.length).toBeGreaterThan(0);
  });

  it('applies commands into the vault: journaled, audited and kept', () => {
    const commands = join(dir, 'apply.json');
    writeFileSync(commands, JSON.stringify([{ type: 'setRolePrivilege', roleid: role('Salesperson').roleid, privilege: 'prvDeleteAccount', depth: 'Global' }]));
    const r = withPass('apply', '--commands', commands, '--actor', 'cli-admin');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Salesperson/);
    expect(r.stdout).toMatch(/Applied 1 command\(s\) into the vault/);
    const out = join(dir, 'after.json');
    expect(withPass('vault', 'export', '--out', out).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).roles.find((x: { name: string }) => x.name === 'Salesperson').privileges.prvDeleteAccount).toBe('Global');
    expect(withPass('vault', 'unlock-check', '--json').stdout).toMatch(/"pending":1,"canundo":true/);
  });

  it('verifies the audit chain', () => {
    const r = withPass('vault', 'verify');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Audit log intact: \d+ entries/);
  });

  it('reports a tampered snapshot, leaves it, and restore-backup brings back the last good copy', () => {
    // A second snapshot makes a backup: an import writes one.
    expect(withPass('vault', 'import', org).code).toBe(0);
    const snap = join(vault, 'snapshot.rav');
    const text = readFileSync(snap, 'utf8');
    writeFileSync(snap, text.slice(0, 200) + (text[200] === 'x' ? 'y' : 'x') + text.slice(201));
    const bad = withPass('vault', 'unlock-check');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/failed authentication.*restore-backup/);
    const r = withPass('vault', 'restore-backup');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/damaged snapshot is kept as snapshot.rav.damaged-/);
    expect(r.stdout).toMatch(/Every acknowledged edit was recovered/);
    expect(withPass('vault', 'unlock-check', '--json').code).toBe(0);
  });

  it('reports a journal whose last change was cut off, and restore-backup names the lost edit', () => {
    const commands = join(dir, 'cut.json');
    writeFileSync(commands, JSON.stringify([{ type: 'setRolePrivilege', roleid: role('Salesperson').roleid, privilege: 'prvAppendAccount', depth: 'Local' }]));
    expect(withPass('apply', '--commands', commands).code).toBe(0);
    // Drop the last frame at a frame boundary, as a copy tool or an attacker could.
    const newest = readdirSync(vault).filter((f) => /^journal-\d+\.rav$/.test(f)).sort().at(-1)!;
    const path = join(vault, newest);
    const bytes = readFileSync(path);
    let at = 0;
    let lastStart = 0;
    while (at < bytes.length) {
      lastStart = at;
      at += 4 + bytes.readUInt32LE(at);
    }
    writeFileSync(path, bytes.subarray(0, lastStart));
    const verify = withPass('vault', 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain(newest);
    expect(verify.stderr).toMatch(/was written and acknowledged.*restore-backup/);
    const r = withPass('vault', 'restore-backup');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Could not recover acknowledged edits: journal frames (\d+)–\1, audit entries (\d+)–\2/);
    expect(withPass('vault', 'verify').code).toBe(0);
  });

  it('stores separation-of-duty rules that findings then checks', () => {
    const rules = join(dir, 'sod.json');
    writeFileSync(rules, JSON.stringify([{ id: 'sell-and-approve', name: 'Sell and run the sales unit', a: { kind: 'role', name: 'Salesperson' }, b: { kind: 'role', name: 'Sales Manager' } }]));
    const set = withPass('vault', 'set-sod', rules);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('Stored 1 separation-of-duty rule');
    const r = withPass('findings', '--json');
    expect(r.code, r.stderr).toBe(0);
    const found = JSON.parse(r.stdout).findings.filter((f: { id: string }) => f.id.includes('sell-and-approve'));
    expect(found.length).toBeGreaterThan(0);
    writeFileSync(rules, JSON.stringify([{ id: 'x', name: 'no sides' }]));
    const bad = withPass('vault', 'set-sod', rules);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('separation-of-duty rules');
  });

  it('imports solution roles into the vault as one undoable, audited step', () => {
    const solution = fileURLToPath(new URL('../../test/fixtures/solutions/unpacked', import.meta.url));
    const r = withPass('import-roles', solution);
    expect(r.code, r.stderr).toBe(0);
    const out = join(dir, 'after-import.json');
    expect(withPass('vault', 'export', '--out', out).code).toBe(0);
    const names = JSON.parse(readFileSync(out, 'utf8')).roles.map((x: { name: string }) => x.name);
    expect(names).toEqual(expect.arrayContaining(['Contoso Sales Rep', 'Contoso Service Lead']));
    const audit = withPass('report', '--kind', 'audit', '--format', 'csv', '--out', join(dir, 'audit.csv'));
    expect(audit.code, audit.stderr).toBe(0);
    expect(readFileSync(join(dir, 'audit.csv'), 'utf8')).toContain('createRole');
  });

  it('verify --json lists damaged files by name beside the audit problems', () => {
    const r = withPass('vault', 'verify', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, problems: [], files: [] });
  });

  it('rewrap says when the key is already wrapped at the minimum cost, and changes nothing', () => {
    const before = readFileSync(join(vault, 'vault.json'), 'utf8');
    const r = withPass('vault', 'rewrap');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/already wrapped at or above the minimum cost \(scrypt N=\d+/);
    expect(readFileSync(join(vault, 'vault.json'), 'utf8')).toBe(before);
  });

  it('says what a subcommand needs', () => {
    expect(roleatlas('vault', 'frobnicate', '--vault', vault).code).toBe(2);
    expect(roleatlas('vault', 'export', '--vault', vault, '--passphrase-env', 'VAULT_PASS').stderr).toMatch(/--out is required/);
    expect(roleatlas('vault', 'unlock-check', '--vault', vault, '--passphrase-env', 'UNSET_VARIABLE').stderr).toMatch(/UNSET_VARIABLE/);
  });
});
