import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVaultWith } from '../vault/testing/vaultWith';
import { VaultSession } from '../vault/session';
import { VaultModelStore } from './vaultModelStore';
import { diff } from '../core/access/diff';
import { FABRIKAM as F, fabrikam } from './fabrikam.fixture';
import { OrgSession } from './orgSession';
import { Staging } from './staging';

const readGlobal = { type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvReadAccount', depth: 'Global' } as const;
const newUnit = { type: 'createBusinessUnit', businessunitid: 'bu-marketing', defaultteamid: 'team-marketing', name: 'Marketing', parentbusinessunitid: F.root } as const;
const userInNewUnit = { type: 'createUser', systemuserid: 'user-mia', fullname: 'Mia Marketing', domainname: 'mia@fabrikam.example', businessunitid: 'bu-marketing' } as const;

const fresh = () => {
  const session = new OrgSession(fabrikam());
  return { session, staging: new Staging(session) };
};

describe('the staged change set', () => {
  it('stages a command without touching the committed state, the history or the undo stack', () => {
    const { session, staging } = fresh();
    const before = session.current;
    const r = staging.stage([readGlobal]);
    expect(r.ok).toBe(true);
    expect(session.current).toBe(before);
    expect(session.history().canUndo).toBe(false);
    expect(staging.view().commands).toEqual([{ command: readGlobal, summary: expect.stringMatching(/Salesperson/) }]);
  });

  it('refuses a command that would not apply after the ones already staged, with the core reason', () => {
    const { staging } = fresh();
    const r = staging.stage([{ ...newUnit, name: 'Sales' }]);
    expect(r).toMatchObject({ ok: false, error: { code: 'duplicate-name', path: 'name' } });
    expect(staging.view().commands).toEqual([]);
  });

  it('lets a staged command depend on an earlier staged one', () => {
    const { staging } = fresh();
    expect(staging.stage([newUnit]).ok).toBe(true);
    expect(staging.stage([userInNewUnit]).ok).toBe(true);
    expect(staging.view().commands).toHaveLength(2);
  });

  it('refuses to unstage a command that a later staged one depends on', () => {
    const { staging } = fresh();
    staging.stage([newUnit, userInNewUnit]);
    expect(staging.unstage([0])).toMatchObject({ ok: false, error: { code: 'staged-dependent' } });
    expect(staging.unstage([1]).ok).toBe(true);
    expect(staging.view().commands.map((c) => c.command.type)).toEqual(['createBusinessUnit']);
  });

  it('applies one staged command as one undo step and keeps the rest staged', () => {
    const { session, staging } = fresh();
    staging.stage([readGlobal, newUnit]);
    const r = staging.apply([1]);
    expect(r.ok).toBe(true);
    expect(session.current.businessunits.has('bu-marketing')).toBe(true);
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
    expect(session.history().canUndo).toBe(true);
    expect(staging.view().commands.map((c) => c.command)).toEqual([readGlobal]);
  });

  it('changes a staged privilege again instead of stacking a second change of the same cell', () => {
    const { session, staging } = fresh();
    staging.stage([{ ...readGlobal, depth: 'Deep' }]);
    staging.stage([{ ...readGlobal, privilege: 'prvreadaccount' }]);
    expect(staging.view().commands.map((c) => c.command)).toEqual([{ ...readGlobal, privilege: 'prvreadaccount' }]);
    expect(staging.after()!.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Global');
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
  });

  it('leaves nothing staged for a privilege changed back to the depth the role already has', () => {
    const { staging } = fresh();
    staging.stage([newUnit, readGlobal]);
    staging.stage([{ ...readGlobal, depth: 'Local' }]);
    expect(staging.view().commands.map((c) => c.command.type)).toEqual(['createBusinessUnit']);
  });

  it('names the applied undo step by the label the screen staged the changes under', () => {
    const { session, staging } = fresh();
    staging.stage([readGlobal, { type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvWriteAccount', depth: 'Basic' }], 'Set every right on Account in Salesperson');
    const r = staging.apply();
    expect(r.ok && r.value.changed.message).toBe('Set every right on Account in Salesperson');
    expect(session.history().undoLabel).toBe('Set every right on Account in Salesperson');
  });

  it('names several staged groups one after the other, with how many changes were applied', () => {
    const { staging } = fresh();
    staging.stage([readGlobal, { type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvWriteAccount', depth: 'Basic' }], 'Set every right on Account in Salesperson');
    staging.stage([newUnit]);
    const r = staging.apply();
    expect(r.ok && r.value.changed.message).toBe('Set every right on Account in Salesperson; Created business unit Marketing under Fabrikam (3 changes)');
  });

  it('names a group only partly applied by the summaries of the changes applied, and keeps the label for the rest', () => {
    const { staging } = fresh();
    const write = { type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvWriteAccount', depth: 'Basic' } as const;
    staging.stage([readGlobal, write], 'Set every right on Account in Salesperson');
    const first = staging.apply([0]);
    expect(first.ok && first.value.changed.message).toMatch(/^Salesperson: prvReadAccount Local → Global$/);
    const rest = staging.apply();
    expect(rest.ok && rest.value.changed.message).toMatch(/^Salesperson: prvWriteAccount None → Basic$/);
  });

  it('names the applied undo step by the screen\'s label after the app was closed and the vault opened again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roleatlas-staged-names-'));
    try {
      await createVaultWith(join(dir, 'vault'), 'a passphrase for staged names', fabrikam());
      const open = async () => {
        const vaults = new VaultSession(join(dir, 'vault'), { actor: 'tester' });
        await vaults.unlock({ passphrase: 'a passphrase for staged names' });
        const session = new OrgSession(new VaultModelStore(vaults));
        return { vaults, session, staging: new Staging(session) };
      };
      const first = await open();
      first.staging.stage([readGlobal, { type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvWriteAccount', depth: 'Basic' }], 'Set every right on Account in Salesperson');
      first.staging.stage([newUnit]);
      first.vaults.lock();
      const again = await open();
      const r = again.staging.apply();
      expect(r.ok && r.value.changed.message).toBe('Set every right on Account in Salesperson; Created business unit Marketing under Fabrikam (3 changes)');
      again.vaults.lock();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to apply a command when what stays staged would then no longer apply', () => {
    const { session, staging } = fresh();
    staging.stage([newUnit, userInNewUnit]);
    const before = session.current;
    expect(staging.apply([1])).toMatchObject({ ok: false });
    expect(session.current).toBe(before);
    expect(staging.apply().ok).toBe(true);
    expect(session.current.systemusers.has('user-mia')).toBe(true);
    expect(staging.view().commands).toEqual([]);
  });

  it('discards everything staged', () => {
    const { session, staging } = fresh();
    staging.stage([readGlobal]);
    staging.discard();
    expect(session.staged()).toEqual([]);
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
  });

  it('reports a staged set that no longer applies after an undo, naming the command', () => {
    const { session, staging } = fresh();
    session.apply(newUnit);
    staging.stage([userInNewUnit]);
    session.undo();
    expect(staging.view().problem).toMatchObject({ index: 0 });
    expect(staging.after()).toBeNull();
    expect(staging.unstage([0]).ok).toBe(true);
  });

  it('gives exactly the rows of the core diff() that roleatlas diff prints for the same commands', () => {
    const { session, staging } = fresh();
    const commands = [readGlobal, { type: 'setRolePrivilege', roleid: F.sysadmin, privilege: 'prvWriteAccount', depth: 'Local' } as const];
    staging.stage(commands);
    const panel = staging.diff();
    const cli = diff(session.current, commands);
    expect(panel.ok && cli.ok).toBe(true);
    if (!panel.ok || !cli.ok) return;
    expect(panel.value.rows).toEqual(cli.changes);
    expect(panel.value.rows.length).toBeGreaterThan(0);
  });

  it('groups the diff per entity and right: Nina gains Sam’s account when Salesperson reads at Global', () => {
    const { staging } = fresh();
    staging.stage([readGlobal]);
    const r = staging.diff();
    if (!r.ok) throw new Error(r.error.message);
    const nina = r.value.rows.find((c) => c.systemuserid === F.nina && c.entity === 'account' && c.right === 'Read')!;
    expect(nina).toMatchObject({ depthBefore: 'Local', depthAfter: 'Global', recordsBefore: 0, recordsAfter: 1 });
    expect(nina.direction).toBe('gain');
    expect(r.value.groups.find((g) => g.entity === 'account' && g.right === 'Read')).toMatchObject({ gain: 2, lose: 0, recordsGained: 1 });
  });
});
