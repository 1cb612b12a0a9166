/**
 * roleatlas dataverse pull and status on a real vault against the Dataverse double on loopback.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoOrganization } from '../../core/generate/demo';
import { startDataverseDouble, type RunningDouble } from '../../../test/dataverse/double/app';
import { Vault } from '../../vault/vault';
import { CliError } from '../errors';
import { dataverse } from './dataverse';

const PASS = 'a long vault passphrase';
let dir: string;
let double: RunningDouble;
const org = demoOrganization();

async function roleatlas(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await dataverse.run(args);
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    if (e instanceof CliError) return { code: e.exitCode, stdout, stderr: e.message };
    throw e;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

async function newVault(name: string): Promise<string> {
  const path = join(dir, name);
  (await Vault.create(path, PASS, { actor: name, kdf: { N: 1024, r: 8, p: 1 } })).lock();
  return path;
}
const vaultArgs = (path: string) => ['--vault', path, '--passphrase-env', 'DV_PASS'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-dataverse-cli-'));
  double = await startDataverseDouble(org);
  process.env.DV_PASS = PASS;
  process.env.DV_TOKEN = 'an access token';
});
afterAll(async () => {
  await double.close();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.DV_PASS;
  delete process.env.DV_TOKEN;
});

describe('roleatlas dataverse', () => {
  it('pulls the environment into the vault as an audited import, and status names the environment', async () => {
    const path = await newVault('pulled');
    const r = await roleatlas('pull', ...vaultArgs(path), '--env', double.url, '--token-env', 'DV_TOKEN', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ env: double.url, systemusers: org.systemusers.size, roles: org.roles.size, businessunits: org.businessunits.size });
    const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
    try {
      expect(v.state.systemusers.size).toBe(org.systemusers.size);
      expect(v.audit().some((a) => /^Imported Dataverse environment http:\/\/127\.0\.0\.1:\d+: 13 business unit\(s\), 40 user\(s\)/.test(a.summary))).toBe(true);
      expect(v.verify().ok).toBe(true);
    } finally {
      v.lock();
    }
    const s = await roleatlas('status', ...vaultArgs(path));
    expect(s.stdout).toMatch(new RegExp(`Pulled from ${double.url.replace(/[.]/g, '\\.')} at .*: ${org.systemusers.size} user\\(s\\)`));
  });

  it('says a vault that was never pulled has no environment', async () => {
    const path = await newVault('never');
    expect((await roleatlas('status', ...vaultArgs(path))).stdout).toMatch(/has not been pulled from a Dataverse environment/);
  });

  it('refuses an environment URL that is not one, naming it, before opening the vault', async () => {
    const r = await roleatlas('pull', '--vault', join(dir, 'nowhere'), '--env', 'contoso', '--token-env', 'DV_TOKEN');
    expect(r).toMatchObject({ code: 2, stderr: 'roleatlas dataverse pull: --env "contoso" is not a URL; the environment URL looks like https://contoso.crm.dynamics.com' });
  });

  it('never takes the token as an argument', async () => {
    const r = await roleatlas('pull', '--vault', join(dir, 'x'), '--env', double.url, '--token', 'secret');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the token is never an argument/);
  });

  it('leaves the vault as it was when the environment refuses, showing why', async () => {
    const path = await newVault('refused');
    const refusing = await startDataverseDouble(org, { verifyToken: () => false });
    try {
      const r = await roleatlas('pull', ...vaultArgs(path), '--env', refusing.url, '--token-env', 'DV_TOKEN');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/a valid bearer token is required/);
    } finally {
      await refusing.close();
    }
    const v = await Vault.open(path, { passphrase: PASS }, { actor: 'test' });
    expect(v.state.systemusers.size).toBe(0);
    v.lock();
  });
});
