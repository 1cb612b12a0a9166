import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Vault } from './vault';
import { LOCK_FILE, lockHolder } from './writerLock';
import { demoOrganization } from '../core/generate/demo';
import { OrgSession } from '../session/orgSession';
import { Workspace } from '../session/workspace';

const BIN = fileURLToPath(new URL('../../bin/roleatlas.mjs', import.meta.url));
const KDF = { N: 1024, r: 8, p: 1 };
const PASS = 'writer lock passphrase';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function demoVault(path = dir): Promise<void> {
  const v = await Vault.create(path, PASS, { actor: 'setup', kdf: KDF });
  v.replaceState(demoOrganization(), 'demo');
  v.lock();
}
const open = (program: string, extra: object = {}) => Vault.open(dir, { passphrase: PASS }, { actor: program, program, ...extra });
const rootUnit = (v: Vault) => [...v.state.businessunits.values()].find((b) => b.parentbusinessunitid === null)!.businessunitid;
const teamCommand = (teamid: string, unit: string) => ({ type: 'createTeam', teamid, name: `Team ${teamid}`, teamtype: 0, businessunitid: unit });

/** A pid that belonged to a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** roleatlas apply --vault in a child process; resolves with its exit code and output. */
function applyInChild(vaultDir: string, commandsFile: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'apply', '--vault', vaultDir, '--passphrase-env', 'VAULT_PASS', '--commands', commandsFile], { env: { ...process.env, VAULT_PASS: PASS, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('one writer at a time', () => {
  it('refuses a second writer and names the holder: program, pid, host and since when', async () => {
    await demoVault();
    const first = await open('roleatlas apply (command line)');
    const err = await open('RoleAtlas (desktop app)').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'busy', file: join(dir, LOCK_FILE) });
    const message = (err as Error).message;
    expect(message).toContain('roleatlas apply (command line)');
    expect(message).toContain(`process ${process.pid}`);
    expect(message).toContain(hostname());
    expect(message).toContain(lockHolder(dir)!.since);
    first.lock();
  });

  it('lets the next writer in once the first locks the vault, and leaves no lock file behind', async () => {
    await demoVault();
    const first = await open('first');
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    first.lock();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const second = await open('second');
    expect(lockHolder(dir)).toMatchObject({ pid: process.pid, program: 'second' });
    second.lock();
  });

  it('lets a reader look while a writer holds the vault, and refuses the reader any write', async () => {
    await demoVault();
    const writer = await open('writer');
    const reader = await open('reader', { access: 'read' });
    expect(reader.state.systemusers.size).toBe(40);
    expect(() => reader.apply(teamCommand('reader-team', rootUnit(reader)))).toThrow(expect.objectContaining({ code: 'read-only' }));
    reader.lock();
    expect(lockHolder(dir)).toMatchObject({ program: 'writer' });
    writer.lock();
  });

  it('takes over the lock of a program that died, on this computer', async () => {
    await demoVault();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), since: '2020-01-01T00:00:00.000Z', program: 'a crashed roleatlas', token: 'old' }));
    const v = await open('after the crash');
    expect(lockHolder(dir)).toMatchObject({ pid: process.pid, program: 'after the crash' });
    expect(v.apply(teamCommand('after-crash', rootUnit(v))).ok).toBe(true);
    v.lock();
  });

  it('takes over at once when a program died inside a takeover, without waiting for it to go stale', async () => {
    await demoVault();
    const dead = deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), since: '2020-01-01T00:00:00.000Z', program: 'a crashed roleatlas', token: 'old' }));
    writeFileSync(join(dir, 'writer.lock.takeover'), JSON.stringify({ pid: dead, host: hostname(), since: new Date().toISOString(), program: 'a crashed roleatlas', token: 'mid-takeover' }));
    const v = await open('right after the crash', { lockWaitMs: 0 });
    expect(lockHolder(dir)).toMatchObject({ pid: process.pid, program: 'right after the crash' });
    expect(existsSync(join(dir, 'writer.lock.takeover'))).toBe(false);
    v.lock();
  });

  it('leaves a takeover under way in a live program alone', async () => {
    await demoVault();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), since: '2020-01-01T00:00:00.000Z', program: 'a crashed roleatlas', token: 'old' }));
      writeFileSync(join(dir, 'writer.lock.takeover'), JSON.stringify({ pid: live.pid, host: hostname(), since: new Date().toISOString(), program: 'another roleatlas', token: 'taking-over' }));
      await expect(open('too late', { lockWaitMs: 0 })).rejects.toMatchObject({ code: 'busy' });
      expect(existsSync(join(dir, 'writer.lock.takeover'))).toBe(true);
    } finally {
      live.kill();
    }
  });

  it('never takes over a lock held on another computer, and says how to clear it', async () => {
    await demoVault();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'other-host.example', since: '2024-05-01T08:00:00.000Z', program: 'RoleAtlas (desktop app)', token: 't' }));
    await expect(open('here')).rejects.toThrow(/RoleAtlas \(desktop app\), process 1 on other-host.example, since 2024-05-01T08:00:00.000Z.*delete .*writer.lock/);
  });

  it('refuses restore-backup while another program holds the vault, and touches nothing', async () => {
    await demoVault();
    const holder = await open('RoleAtlas (desktop app)');
    rmSync(join(dir, 'vault.json'));
    const before = readdirSync(dir).sort();
    await expect(Vault.restoreBackup(dir, PASS, { actor: 'restorer', program: 'roleatlas vault restore-backup' })).rejects.toMatchObject({ code: 'busy' });
    expect(readdirSync(dir).sort()).toEqual(before);
    holder.lock();
  });

  it('refuses a write when someone removed the lock file while the vault was open', async () => {
    await demoVault();
    const v = await open('holder');
    rmSync(join(dir, LOCK_FILE));
    expect(() => v.apply(teamCommand('no-lock', rootUnit(v)))).toThrow(expect.objectContaining({ code: 'lock-lost' }));
    v.lock();
  });

  it('runs two roleatlas apply at once on one vault: both edits land, and the vault opens with every acknowledged one', async () => {
    await demoVault();
    const probe = await open('probe', { access: 'read' });
    const unit = rootUnit(probe);
    probe.lock();
    const acknowledged: string[] = [];
    for (let round = 0; round < 3; round++) {
      const files = ['a', 'b'].map((who) => {
        const file = join(dir, '..', `${dir.split('/').pop()}-${who}-${round}.json`);
        writeFileSync(file, JSON.stringify([teamCommand(`${who}-${round}-1`, unit), teamCommand(`${who}-${round}-2`, unit)]));
        return { who, file };
      });
      const results = await Promise.all(files.map((f) => applyInChild(dir, f.file)));
      results.forEach((r, i) => {
        // One waits for the other; a refusal would have to name the holder, never pass silently.
        if (r.code === 0) acknowledged.push(`${files[i].who}-${round}-1`, `${files[i].who}-${round}-2`);
        else expect(r.stderr).toMatch(/open for writing in roleatlas apply/);
        rmSync(files[i].file);
      });
    }
    expect(acknowledged.length).toBe(12);
    const v = await open('checker');
    for (const team of acknowledged) expect(v.state.teams.has(team), team).toBe(true);
    expect(v.verify()).toMatchObject({ ok: true, problems: [], files: [] });
    v.lock();
  }, 120_000);

  it('refuses the command line while the app holds the vault, naming the app, and lets it in once the app locks', async () => {
    const vaultDir = join(dir, 'vault');
    const session = new OrgSession(demoOrganization());
    const workspace = new Workspace({ dir: vaultDir, actor: 'app user', session, kdf: KDF });
    expect((await workspace.create(PASS, { kind: 'demo' })).ok).toBe(true);
    const unit = [...session.current.businessunits.values()].find((b) => b.parentbusinessunitid === null)!.businessunitid;
    expect(session.apply(teamCommand('from-the-app', unit)).ok).toBe(true);
    const commands = join(dir, 'cli.json');
    writeFileSync(commands, JSON.stringify([teamCommand('from-the-cli', unit)]));
    // The command line waits a while for the app (half a second here), then gives up.
    const refused = await applyInChild(vaultDir, commands, { ROLEATLAS_LOCK_WAIT_MS: '500' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/open for writing in RoleAtlas \(desktop app\), process \d+ on this computer/);
    workspace.lock();
    const done = await applyInChild(vaultDir, commands);
    expect(done.code, done.stderr).toBe(0);
    expect((await workspace.unlock({ passphrase: PASS })).ok).toBe(true);
    expect(session.current.teams.has('from-the-app')).toBe(true);
    expect(session.current.teams.has('from-the-cli')).toBe(true);
    workspace.lock();
    expect(readFileSync(join(vaultDir, 'vault.json'), 'utf8')).toContain('roleatlas/vault@1');
  }, 60_000);
});
