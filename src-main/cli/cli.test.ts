import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/roleatlas.mjs', import.meta.url));
let dir: string;
let org: string;
let demo: { systemusers: { systemuserid: string; fullname: string }[]; roles: { roleid: string; name: string }[]; records: { recordid: string; entity: string; ownerid: string }[] };

function roleatlas(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const user = (name: string) => demo.systemusers.find((u) => u.fullname === name)!.systemuserid;
const role = (name: string) => demo.roles.find((r) => r.name === name)!.roleid;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-cli-'));
  org = join(dir, 'demo.json');
  const r = roleatlas('demo', '--out', org);
  expect(r.code, r.stderr).toBe(0);
  demo = JSON.parse(readFileSync(org, 'utf8'));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('roleatlas on the command line', () => {
  it('lists its commands with --help', () => {
    const r = roleatlas('--help');
    expect(r.code).toBe(0);
    for (const c of ['demo', 'generate', 'check', 'preview', 'apply', 'diff']) expect(r.stdout).toContain(c);
  });

  it('ends quietly when the reader closes the pipe early (roleatlas … | head)', async () => {
    const child = spawn(process.execPath, [BIN, 'findings', '--org', org, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('writes the demo organization with 40 users', () => {
    expect(demo.systemusers).toHaveLength(40);
  });

  it('answers a check with allowed, depth and every path as JSON', () => {
    const r = roleatlas('check', '--org', org, '--user', user('Jordan West'), '--entity', 'account', '--right', 'Read', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.allowed).toBe(true);
    expect(out.depth).toBe('Deep');
    expect(out.paths.some((p: { rolename: string; reach: string }) => p.rolename === 'Sales Manager' && p.reach === 'businessunit-and-below')).toBe(true);
  });

  it('denies a salesperson deleting an account someone in another unit owns, and says why', () => {
    const sam = user('Sam Seattle');
    const foreign = demo.records.find((r) => r.entity === 'account' && r.ownerid === user('Parker Harbor'))!;
    const r = roleatlas('check', '--org', org, '--user', sam, '--entity', 'account', '--right', 'Delete', '--record', foreign.recordid, '--json');
    const out = JSON.parse(r.stdout);
    expect(out.allowed).toBe(false);
    expect(out.reasons.length).toBeGreaterThan(0);
  });

  it('previews records per business unit that add up to the total', () => {
    const r = roleatlas('preview', '--org', org, '--user', user('Riley Sales'), '--entity', 'account', '--right', 'Read', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const sum = Object.values(out.businessunits as Record<string, { records: number }>).reduce((a, u) => a + u.records, 0);
    expect(out.records).toBe(sum);
    expect(Object.keys(out.businessunits)).toHaveLength(13);
  });

  it('applies commands all or nothing and names the refused command by position', () => {
    const commands = join(dir, 'bad.json');
    const out = join(dir, 'bad-out.json');
    writeFileSync(commands, JSON.stringify([
      { type: 'setRolePrivilege', roleid: role('Salesperson'), privilege: 'prvReadAccount', depth: 'Local' },
      { type: 'setRolePrivilege', roleid: role('Salesperson'), privilege: 'prvBulkDelete', depth: 'Basic' },
    ]));
    const r = roleatlas('apply', '--org', org, '--commands', commands, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Change 2 of 2 (setRolePrivilege) was refused');
    expect(r.stderr).toContain('Nothing was applied.');
    expect(r.stderr).toContain('does not allow Basic');
    expect(existsSync(out)).toBe(false);
  });

  it('applies a valid change set and the result reads back with the change', () => {
    const commands = join(dir, 'good.json');
    const out = join(dir, 'good-out.json');
    const root = JSON.parse(readFileSync(org, 'utf8')).businessunits.find((b: { parentbusinessunitid: string | null }) => b.parentbusinessunitid === null).businessunitid;
    writeFileSync(commands, JSON.stringify([
      { type: 'createBusinessUnit', name: 'Denver', parentbusinessunitid: root },
      { type: 'moveUser', systemuserid: user('Sam Seattle'), businessunitid: root },
    ]));
    const r = roleatlas('apply', '--org', org, '--commands', commands, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/removed roles: .*Salesperson/);
    const after = JSON.parse(readFileSync(out, 'utf8'));
    expect(after.businessunits.some((b: { name: string }) => b.name === 'Denver')).toBe(true);
    expect(after.systemuserroles.some((a: { systemuserid: string }) => a.systemuserid === user('Sam Seattle'))).toBe(false);
  });

  it('diffs without applying: the file is untouched and the most affected users come first', () => {
    const commands = join(dir, 'diff.json');
    writeFileSync(commands, JSON.stringify([{ type: 'setRolePrivilege', roleid: role('Salesperson'), privilege: 'prvReadAccount', depth: 'Local' }]));
    const before = statSync(org).mtimeMs;
    const r = roleatlas('diff', '--org', org, '--commands', commands, '--json');
    expect(r.code, r.stderr).toBe(0);
    const { changes } = JSON.parse(r.stdout);
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect(Object.keys(c)).toEqual(expect.arrayContaining(['systemuserid', 'entity', 'right', 'depthBefore', 'depthAfter', 'recordsBefore', 'recordsAfter']));
    const delta = (c: { recordsBefore: number; recordsAfter: number }) => Math.abs(c.recordsAfter - c.recordsBefore);
    for (let i = 1; i < changes.length; i++) expect(delta(changes[i - 1])).toBeGreaterThanOrEqual(delta(changes[i]));
    expect(statSync(org).mtimeMs).toBe(before);
  });

  it('generates a synthetic organization of the size asked', () => {
    const out = join(dir, 'small.json');
    const r = roleatlas('generate', '--users', '300', '--business-units', '20', '--teams', '15', '--roles', '12', '--records', '2000', '--shares', '100', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const f = JSON.parse(readFileSync(out, 'utf8'));
    expect(f.systemusers).toHaveLength(300);
    expect(f.businessunits).toHaveLength(20);
    expect(f.records).toHaveLength(2000);
  });

  it('explains bad input on stderr with a non-zero exit', () => {
    const missing = roleatlas('check', '--entity', 'account');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--org is required');
    const badRight = roleatlas('check', '--org', org, '--user', user('Sam Seattle'), '--entity', 'account', '--right', 'Peek');
    expect(badRight.code).toBe(2);
    expect(badRight.stderr).toContain('--right must be one of');
    const unknown = roleatlas('frobnicate');
    expect(unknown.code).toBe(2);
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{"format": ');
    const r = roleatlas('check', '--org', notJson, '--user', 'x', '--entity', 'account', '--right', 'Read');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not valid JSON');
    const badFile = join(dir, 'bad-org.json');
    const f = JSON.parse(readFileSync(org, 'utf8'));
    f.systemusers[2].businessunitid = 'nowhere';
    writeFileSync(badFile, JSON.stringify(f));
    const b = roleatlas('preview', '--org', badFile, '--user', 'x', '--entity', 'account', '--right', 'Read');
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('systemusers[2].businessunitid');
  });
});
