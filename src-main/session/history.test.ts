import { describe, expect, it } from 'vitest';
import { OrgSession } from './orgSession';
import { FABRIKAM as F, fabrikam } from './fabrikam.fixture';

const ids = () => {
  let n = 0;
  return () => `new-${++n}`;
};

describe('undo and redo in the session', () => {
  it('undoes a privilege change and redoes it', () => {
    const s = new OrgSession(fabrikam(), { newId: ids() });
    s.apply({ type: 'setRolePrivilege', roleid: F.salesperson, privilege: 'prvReadAccount', depth: 'Global' });
    expect(s.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Global');
    expect(s.history()).toMatchObject({ canUndo: true, canRedo: false, revision: 1 });
    const u = s.undo();
    expect(u.ok && u.value.message).toMatch(/^Undid: /);
    expect(s.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Local');
    expect(s.history()).toMatchObject({ canUndo: false, canRedo: true, revision: 2 });
    s.redo();
    expect(s.current.roles.get(F.salesperson)!.privileges.prvReadAccount).toBe('Global');
  });

  it('forgets what could be redone once a new change is made', () => {
    const s = new OrgSession(fabrikam(), { newId: ids() });
    s.apply({ type: 'updateBusinessUnit', businessunitid: F.sales, name: 'Selling' });
    s.undo();
    s.apply({ type: 'updateBusinessUnit', businessunitid: F.sales, name: 'Revenue' });
    expect(s.history().canRedo).toBe(false);
    expect(s.redo()).toMatchObject({ ok: false, error: { code: 'nothing-to-redo' } });
  });

  it('refuses to undo when nothing was changed, and a refused command adds no step', () => {
    const s = new OrgSession(fabrikam());
    s.apply({ type: 'deleteRole', roleid: F.salesperson });
    expect(s.undo()).toMatchObject({ ok: false, error: { code: 'nothing-to-undo' } });
  });

  it('fills the ids a create command leaves out', () => {
    const s = new OrgSession(fabrikam(), { newId: ids() });
    const r = s.apply({ type: 'createBusinessUnit', name: 'Marketing', parentbusinessunitid: F.root });
    expect(r.ok).toBe(true);
    expect(s.current.businessunits.get('new-1')?.name).toBe('Marketing');
    expect(s.current.teams.get('new-2')?.isdefault).toBe(true);
  });

  it('applies a batch as one undo step', () => {
    const s = new OrgSession(fabrikam());
    const r = s.applyAll(
      [
        { type: 'setUserDisabled', systemuserid: F.sam, isdisabled: true },
        { type: 'setUserDisabled', systemuserid: F.nina, isdisabled: true },
      ],
      'Deactivated 2 users',
    );
    expect(r).toMatchObject({ ok: true, value: { message: 'Deactivated 2 users', history: { undoLabel: 'Deactivated 2 users' } } });
    s.undo();
    expect(s.current.systemusers.get(F.sam)!.isdisabled).toBe(false);
    expect(s.current.systemusers.get(F.nina)!.isdisabled).toBe(false);
  });

  it('applies nothing of a batch when one command is refused, naming it by position', () => {
    const s = new OrgSession(fabrikam());
    const before = s.current;
    const r = s.applyAll([
      { type: 'setUserDisabled', systemuserid: F.sam, isdisabled: true },
      { type: 'deleteRole', roleid: F.salesperson },
    ]);
    expect(r).toMatchObject({ ok: false, error: { code: 'in-use', path: 'commands[1].roleid' } });
    if (!r.ok) expect(r.error.message).toMatch(/^Change 2 of 2 \(deleteRole\) was refused: role Salesperson is held by/);
    expect(s.current).toBe(before);
  });

  it('checks a command without applying it', () => {
    const s = new OrgSession(fabrikam());
    expect(s.check([{ type: 'deleteBusinessUnit', businessunitid: F.sales }])).toMatchObject({ ok: false, error: { code: 'in-use' } });
    expect(s.check([{ type: 'updateBusinessUnit', businessunitid: F.sales, name: 'X' }]).ok).toBe(true);
    expect(s.current.businessunits.get(F.sales)!.name).toBe('Sales');
  });
});
