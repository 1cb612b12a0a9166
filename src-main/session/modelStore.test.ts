import { afterEach, describe, expect, it } from 'vitest';
import { OrgSession } from './orgSession';
import { FABRIKAM as F, fabrikam } from './fabrikam.fixture';
import { STORES, type OpenedStore } from './stores.fixture';

const readGlobal = { type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvReadAccount', depth: 'Global' } as const;
const renameSales = { type: 'updateBusinessUnit', businessunitid: F.sales, name: 'Revenue' } as const;
const deleteHeldRole = { type: 'deleteRole', roleid: F.salesperson } as const;

/** One contract for every ModelStore: what holds in memory must hold in the vault, and the other way round. */
describe.each(STORES)('the organization %s', (_, open) => {
  let opened: OpenedStore | null = null;
  afterEach(() => {
    opened?.close();
    opened = null;
  });
  const store = async () => (opened = await open(fabrikam())).store;
  const session = async () => new OrgSession(await store());

  it('commits a batch whole, as one undo step named as the admin did it', async () => {
    const s = await store();
    const r = s.commit([readGlobal, renameSales], 'Tidy up Sales');
    expect(r).toMatchObject({ ok: true, value: { label: 'Tidy up Sales' } });
    expect(s.state.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Global');
    expect(s.state.businessunits.get(F.sales)!.name).toBe('Revenue');
    expect(s.undoState()).toEqual({ canUndo: true, canRedo: false, undoLabel: 'Tidy up Sales', redoLabel: null });
  });

  it('names a step given no name by what its commands did', async () => {
    const s = await store();
    expect(s.commit([readGlobal])).toMatchObject({ ok: true, value: { label: 'Salesperson: prvReadAccount Local → Global' } });
    expect(s.undoState().undoLabel).toBe('Salesperson: prvReadAccount Local → Global');
    expect(s.commit([renameSales, { type: 'setUserDisabled', systemuserid: F.sam, isdisabled: true }])).toMatchObject({ ok: true, value: { label: expect.stringMatching(/^2 changes: /) } });
  });

  it('leaves the organization, the undo history and the staged set untouched when one command of a batch is refused', async () => {
    const s = await store();
    s.commit([renameSales]);
    s.setStaged([readGlobal]);
    const [state, history, staged] = [s.state, s.undoState(), s.staged()];
    const r = s.commit([{ type: 'setUserDisabled', systemuserid: F.sam, isdisabled: true }, deleteHeldRole]);
    expect(r).toMatchObject({ ok: false, error: { code: 'in-use', path: 'commands[1].roleid' } });
    if (!r.ok) expect(r.error.message).toMatch(/^Change 2 of 2 \(deleteRole\) was refused: role Salesperson is held by/);
    expect(s.state).toEqual(state);
    expect(s.state.systemusers.get(F.sam)!.isdisabled).toBe(false);
    expect(s.undoState()).toEqual(history);
    expect(s.staged()).toEqual(staged);
  });

  it('undoes and redoes by the step’s name, and refuses when there is nothing to undo or redo', async () => {
    const s = await store();
    expect(s.undo()).toMatchObject({ ok: false, error: { code: 'nothing-to-undo', message: 'there is nothing to undo' } });
    expect(s.redo()).toMatchObject({ ok: false, error: { code: 'nothing-to-redo', message: 'there is nothing to redo' } });
    s.commit([readGlobal], 'Open accounts to everyone');
    expect(s.undo()).toEqual({ ok: true, value: 'Open accounts to everyone' });
    expect(s.state.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
    expect(s.undoState()).toEqual({ canUndo: false, canRedo: true, undoLabel: null, redoLabel: 'Open accounts to everyone' });
    expect(s.redo()).toEqual({ ok: true, value: 'Open accounts to everyone' });
    expect(s.state.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Global');
    expect(s.undoState()).toEqual({ canUndo: true, canRedo: false, undoLabel: 'Open accounts to everyone', redoLabel: null });
  });

  it('forgets what could be redone once a new change is made', async () => {
    const s = await store();
    s.commit([readGlobal]);
    s.undo();
    s.commit([renameSales], 'Renamed Sales');
    expect(s.undoState()).toEqual({ canUndo: true, canRedo: false, undoLabel: 'Renamed Sales', redoLabel: null });
    expect(s.redo()).toMatchObject({ ok: false, error: { code: 'nothing-to-redo' } });
  });

  it('keeps a staged set apart from the organization, and refuses a malformed one whole', async () => {
    const s = await store();
    expect(s.setStaged([readGlobal])).toEqual({ ok: true, value: [readGlobal] });
    expect(s.staged()).toEqual([readGlobal]);
    expect(s.state.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
    expect(s.undoState().canUndo).toBe(false);
    const r = s.setStaged([renameSales, { type: 'setRolePrivilege', roleid: F.salesperson }]);
    expect(r).toMatchObject({ ok: false, error: { path: expect.stringMatching(/^staged\.1\b|^staged\[1\]/) } });
    expect(s.staged()).toEqual([readGlobal]);
  });

  it('keeps the names a staged set was staged under, and refuses names that do not match its changes', async () => {
    const s = await store();
    const named = { id: 0, label: 'Open accounts and rename Sales', size: 2 };
    expect(s.setStaged([readGlobal, renameSales], [named, named]).ok).toBe(true);
    expect(s.stagedGroups()).toEqual([named, named]);
    expect(s.setStaged([readGlobal], [named, null])).toMatchObject({ ok: false, error: { path: 'groups', message: expect.stringMatching(/for each of the 1 staged change/) } });
    expect(s.stagedGroups()).toEqual([named, named]);
    expect(s.setStaged([readGlobal]).ok).toBe(true);
    expect(s.stagedGroups()).toEqual([null]);
  });

  it('moves the revision once for each applied change, undo, redo and staged set, and not for a refusal', async () => {
    const s = await session();
    const start = s.history().revision;
    s.apply(readGlobal);
    expect(s.history().revision).toBe(start + 1);
    s.apply(deleteHeldRole);
    expect(s.history().revision).toBe(start + 1);
    s.undo();
    s.redo();
    expect(s.history().revision).toBe(start + 3);
    s.setStaged([renameSales]);
    expect(s.history().revision).toBe(start + 4);
  });

  it('tells what changed: the organization’s new summary, the step’s name and what undo and redo would do', async () => {
    const s = await session();
    const r = s.applyAll([renameSales], 'Renamed Sales');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.message).toBe('Renamed Sales');
    expect(r.value.summary.businessunits.find((b) => b.businessunitid === F.sales)?.name).toBe('Revenue');
    expect(r.value.history).toEqual({ revision: s.history().revision, canUndo: true, canRedo: false, undoLabel: 'Renamed Sales', redoLabel: null });
    const u = s.undo();
    expect(u).toMatchObject({ ok: true, value: { message: 'Undid: Renamed Sales', history: { canUndo: false, canRedo: true, redoLabel: 'Renamed Sales' } } });
    if (u.ok) expect(u.value.summary.businessunits.find((b) => b.businessunitid === F.sales)?.name).toBe('Sales');
  });
});
