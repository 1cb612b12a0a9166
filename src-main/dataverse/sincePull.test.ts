/**
 * Which changes since the pull the environment lacks, read from a real vault's journal: undo and
 * redo matched by batch, changes with no Dataverse equivalent kept aside, and the organization as
 * the pull left it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoOrganization } from '../core/generate/demo';
import { toInterchange } from '../core/interchange/fromState';
import { Vault } from '../vault/vault';
import { sincePull } from './sincePull';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A vault holding the demo organization, linked as if just pulled from an environment. */
async function pulled(): Promise<Vault> {
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-since-pull-'));
  dirs.push(dir);
  const v = await Vault.create(dir, 'a long vault passphrase', { actor: 'ada', kdf: { N: 1024, r: 8, p: 1 } });
  v.replaceState(demoOrganization(), 'Dataverse environment https://contoso.crm.dynamics.com');
  const r = v.setSyncState({ dataverse: { env: 'https://contoso.crm.dynamics.com', pulledat: new Date().toISOString(), privileges: {}, counts: {}, journalseq: v.seq } });
  if (!r.ok) throw new Error(r.error.message);
  return v;
}
const org = demoOrganization();
const sales = [...org.roles.values()].find((r) => r.name === 'Salesperson')!;
const set = (privilege: string, depth: 'Basic' | 'Global') => ({ type: 'setRolePrivilege', roleid: sales.roleid, privilege, depth });
const link = (v: Vault) => v.getSyncState().dataverse!;

describe('the changes applied since the pull', () => {
  it('leaves out a batch undone since the pull together with its undo, and sends a redo once', async () => {
    const v = await pulled();
    v.applyAll([set('prvDeleteAccount', 'Global')], 'Let sales delete accounts');
    v.applyAll([set('prvCreateLead', 'Global'), set('prvWriteLead', 'Global')], 'Leads for sales');
    v.undo();
    v.undo();
    v.redo();
    const s = sincePull(v, link(v));
    expect(s.applied.map((a) => [a.step, a.command])).toEqual([['Let sales delete accounts', set('prvDeleteAccount', 'Global')]]);
    expect(s.kept).toEqual([]);
    v.lock();
  });

  it('sends the undo of a change made before the pull, named as an undo', async () => {
    const v = await pulled();
    v.applyAll([set('prvDeleteAccount', 'Global')], 'Let sales delete accounts');
    const r = v.setSyncState({ dataverse: { ...link(v), journalseq: v.seq } });
    expect(r.ok).toBe(true);
    v.undo();
    const s = sincePull(v, link(v));
    expect(s.applied).toHaveLength(1);
    expect(s.applied[0].step).toBe('Undo: Salesperson: prvDeleteAccount Global → Basic');
    v.lock();
  });

  it('keeps records and shares aside with why, and gives back the organization as the pull left it', async () => {
    const v = await pulled();
    const before = toInterchange(v.state);
    const owner = [...org.systemusers.values()][1];
    const recordid = '6f1d7c9e-0000-4000-8000-0000000000cc';
    v.applyAll([{ type: 'createRecord', recordid, entity: 'account', name: 'Fourth Coffee', ownerid: owner.systemuserid }]);
    v.applyAll([set('prvDeleteAccount', 'Global')]);
    v.applyAll([{ type: 'shareRecord', recordid, principalid: [...org.systemusers.values()][2].systemuserid, accessrightsmask: 1 }]);
    const s = sincePull(v, link(v));
    expect(s.applied.map((a) => a.command.type)).toEqual(['setRolePrivilege']);
    expect(s.kept.map((k) => [k.command.type, k.why])).toEqual([
      ['createRecord', expect.stringMatching(/kept in the vault only/)],
      ['shareRecord', expect.stringMatching(/kept in the vault only/)],
    ]);
    expect(s.commands.map((c) => c.type)).toEqual(['createRecord', 'setRolePrivilege', 'shareRecord']);
    expect(toInterchange(s.pulled())).toEqual(before);
    expect(v.state.records.has(recordid)).toBe(true);
    v.lock();
  });
});
