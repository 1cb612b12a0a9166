import { afterEach, describe, expect, it } from 'vitest';
import { OrgSession, type SessionOptions } from './orgSession';
import { FABRIKAM as F, fabrikam } from './fabrikam.fixture';
import { STORES as OPENERS, type OpenedStore } from './stores.fixture';

let opened: OpenedStore | null = null;
afterEach(() => {
  opened?.close();
  opened = null;
});

/** The same session over the two stores an organization can live in: the app's encrypted vault, and memory. */
const STORES = OPENERS.map(([name, open]) => [name, async (options?: SessionOptions) => new OrgSession((opened = await open(fabrikam())).store, options)] as const);

const ids = () => {
  let n = 0;
  return () => `new-${++n}`;
};

describe.each(STORES)('undo and redo in the session, %s', (_, open) => {
  it('undoes a privilege change and redoes it', async () => {
    const s = await open({ newId: ids() });
    const revision = s.history().revision;
    s.apply({ type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvReadAccount', depth: 'Global' });
    expect(s.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Global');
    expect(s.history()).toMatchObject({ canUndo: true, canRedo: false, revision: revision + 1, undoLabel: 'Salesperson: prvReadAccount Local → Global' });
    const u = s.undo();
    expect(u.ok && u.value.message).toBe('Undid: Salesperson: prvReadAccount Local → Global');
    expect(s.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
    expect(s.history()).toMatchObject({ canUndo: false, canRedo: true, revision: revision + 2, redoLabel: 'Salesperson: prvReadAccount Local → Global' });
    s.redo();
    expect(s.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Global');
  });

  it('forgets what could be redone once a new change is made', async () => {
    const s = await open({ newId: ids() });
    s.apply({ type: 'updateBusinessUnit', businessunitid: F.sales, name: 'Selling' });
    s.undo();
    s.apply({ type: 'updateBusinessUnit', businessunitid: F.sales, name: 'Revenue' });
    expect(s.history().canRedo).toBe(false);
    expect(s.redo()).toMatchObject({ ok: false, error: { code: 'nothing-to-redo' } });
  });

  it('refuses to undo when nothing was changed, and a refused command adds no step', async () => {
    const s = await open();
    s.apply({ type: 'deleteRole', roleid: F.salesperson });
    expect(s.undo()).toMatchObject({ ok: false, error: { code: 'nothing-to-undo' } });
  });

  it('fills the ids a create command leaves out', async () => {
    const s = await open({ newId: ids() });
    const r = s.apply({ type: 'createBusinessUnit', name: 'Marketing', parentbusinessunitid: F.root });
    expect(r.ok).toBe(true);
    expect(s.current.businessunits.get('new-1')?.name).toBe('Marketing');
    expect(s.current.teams.get('new-2')?.isdefault).toBe(true);
  });

  it('applies a batch as one undo step, named as the admin did it', async () => {
    const s = await open();
    const r = s.applyAll(
      [
        { type: 'setUserDisabled', systemuserid: F.sam, isdisabled: true },
        { type: 'setUserDisabled', systemuserid: F.nina, isdisabled: true },
      ],
      'Deactivated 2 users',
    );
    expect(r).toMatchObject({ ok: true, value: { message: 'Deactivated 2 users', history: { undoLabel: 'Deactivated 2 users' } } });
    expect(s.undo()).toMatchObject({ ok: true, value: { message: 'Undid: Deactivated 2 users', history: { redoLabel: 'Deactivated 2 users' } } });
    expect(s.current.systemusers.get(F.sam)!.isdisabled).toBe(false);
    expect(s.current.systemusers.get(F.nina)!.isdisabled).toBe(false);
  });

  it('applies nothing of a batch when one command is refused, naming it by position', async () => {
    const s = await open();
    const before = s.current;
    const r = s.applyAll([
      { type: 'setUserDisabled', systemuserid: F.sam, isdisabled: true },
      { type: 'deleteRole', roleid: F.salesperson },
    ]);
    expect(r).toMatchObject({ ok: false, error: { code: 'in-use', path: 'commands[1].roleid' } });
    if (!r.ok) expect(r.error.message).toMatch(/^Change 2 of 2 \(deleteRole\) was refused: role Salesperson is held by/);
    expect(s.current).toBe(before);
  });

  it('checks a command without applying it', async () => {
    const s = await open();
    expect(s.check([{ type: 'deleteBusinessUnit', businessunitid: F.sales }])).toMatchObject({ ok: false, error: { code: 'in-use' } });
    expect(s.check([{ type: 'updateBusinessUnit', businessunitid: F.sales, name: 'X' }]).ok).toBe(true);
    expect(s.current.businessunits.get(F.sales)!.name).toBe('Sales');
  });
});
