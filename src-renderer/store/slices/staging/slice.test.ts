import { beforeEach, describe, expect, it } from 'vitest';
import { useAppStore } from '../../index';
import { fakeApi, installApi } from '../../../testing/fakeApi';
import type { OrgSession } from '../../../../src-main/session/orgSession';
import { diff } from '../../../../src-main/core/access/diff';
import { FABRIKAM as F, fabrikam } from '../../../../src-main/session/fabrikam.fixture';

const readGlobal = { type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvReadAccount', depth: 'Global' } as const;

describe('the staging slice', () => {
  let session: OrgSession;
  beforeEach(async () => {
    useAppStore.setState(useAppStore.getInitialState(), true);
    const f = await fakeApi(fabrikam());
    session = f.session;
    installApi(f.api);
    await useAppStore.getState().loadSummary();
  });

  it('stages an edit made through the org slice instead of applying it, while staging is on', async () => {
    expect(await useAppStore.getState().applyCommand(readGlobal)).toBeNull();
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
    expect(useAppStore.getState().staged.commands.map((c) => c.command)).toEqual([readGlobal]);
    expect(useAppStore.getState().notice).toMatchObject({ kind: 'done', text: expect.stringMatching(/^Staged/) });
  });

  it('applies at once with staging off', async () => {
    useAppStore.getState().setStagingEnabled(false);
    await useAppStore.getState().applyCommand(readGlobal);
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Global');
    expect(useAppStore.getState().staged.commands).toEqual([]);
  });

  it('loads the diff of the staged set as the core computes it, then applies all and empties the set', async () => {
    await useAppStore.getState().applyCommand(readGlobal);
    await useAppStore.getState().loadDiff();
    const expected = diff(session.current, [readGlobal]);
    if (!expected.ok) throw new Error('refused');
    expect(useAppStore.getState().stagedDiff!.rows).toEqual(JSON.parse(JSON.stringify(expected.changes)));
    expect(await useAppStore.getState().applyStaged()).toBeNull();
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Global');
    expect(useAppStore.getState().staged.commands).toEqual([]);
    expect(useAppStore.getState().history.canUndo).toBe(true);
  });

  it('keeps the set when a staged edit is refused, with the core’s reason', async () => {
    const r = await useAppStore.getState().applyCommand({ type: 'deleteRole', roleid: 'role-missing' });
    expect(r).not.toBeNull();
    expect(useAppStore.getState().notice?.kind).toBe('refused');
    expect(useAppStore.getState().staged.commands).toEqual([]);
  });

  it('discards the staged set without touching the organization', async () => {
    await useAppStore.getState().applyCommand(readGlobal);
    await useAppStore.getState().discardStaged();
    expect(useAppStore.getState().staged.commands).toEqual([]);
    expect(session.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
  });
});
