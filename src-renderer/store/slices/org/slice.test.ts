import { beforeEach, describe, expect, it } from 'vitest';
import { useAppStore } from '../../index';
import { fakeApi, installApi } from '../../../testing/fakeApi';
import { FABRIKAM as F, fabrikam } from '../../../../src-main/session/fabrikam.fixture';

describe('the org slice with staging off, applying each change at once', () => {
  beforeEach(async () => {
    useAppStore.setState(useAppStore.getInitialState(), true);
    installApi((await fakeApi(fabrikam())).api, { staging: false });
  });

  it('applies a change, then undoes and redoes it, tracking the revision and the last outcome', async () => {
    const s = useAppStore.getState();
    await s.loadSummary();
    // Opening the vault moved the revision already: count from wherever it stands.
    const start = useAppStore.getState().history.revision;
    expect(await s.applyCommand({ type: 'updateBusinessUnit', businessunitid: F.sales, name: 'Revenue' })).toBeNull();
    expect(useAppStore.getState().summary!.businessunits.map((u) => u.name)).toContain('Revenue');
    expect(useAppStore.getState().history).toMatchObject({ revision: start + 1, canUndo: true, canRedo: false });
    await s.undo();
    expect(useAppStore.getState().summary!.businessunits.map((u) => u.name)).toContain('Sales');
    expect(useAppStore.getState().notice).toEqual({ kind: 'done', text: expect.stringMatching(/^Undid: /) });
    await s.redo();
    expect(useAppStore.getState().history.revision).toBe(start + 3);
  });

  it('keeps the summary and records the reason when a change is refused', async () => {
    const s = useAppStore.getState();
    await s.loadSummary();
    const before = useAppStore.getState().summary;
    const refusal = await s.applyCommand({ type: 'deleteRole', roleid: F.salesperson });
    expect(refusal?.code).toBe('in-use');
    expect(useAppStore.getState().summary).toBe(before);
    expect(useAppStore.getState().notice).toMatchObject({ kind: 'refused', text: expect.stringMatching(/held by/) });
  });

  it('applies a batch as one step, or nothing of it', async () => {
    const s = useAppStore.getState();
    expect(
      await s.applyAll([
        { type: 'setUserDisabled', systemuserid: F.sam, isdisabled: true },
        { type: 'deleteRole', roleid: F.salesperson },
      ]),
    ).toMatchObject({ path: 'commands[1].roleid' });
    expect(useAppStore.getState().history.canUndo).toBe(false);
  });
});
