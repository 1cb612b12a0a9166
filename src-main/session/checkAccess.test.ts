import { describe, expect, it } from 'vitest';
import { AccessEngine } from '../core/access/engine';
import { applyAll } from '../core/commands/apply';
import { FABRIKAM as F, fabrikam } from './fabrikam.fixture';
import { checkAccess } from './checkAccess';

const right = (r: ReturnType<typeof checkAccess>, name: string) => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value.rights.find((x) => x.right === name)!;
};

describe('Check access', () => {
  it('allows Sam to read his own account, through his role and through Key Accounts', () => {
    const r = checkAccess(fabrikam(), { systemuserid: F.sam, recordid: F.samsAccount });
    const read = right(r, 'Read');
    expect(read.allowed).toBe(true);
    expect(new Set(read.paths.map((p) => p.via))).toEqual(new Set(['direct', 'team']));
    if (r.ok) expect(r.value.record).toMatchObject({ ownername: 'Sam Seller', owningbusinessunitname: 'Sales' });
  });

  it('tells what would let Nina read Sam’s account: Salesperson at Parent: Child from the root is not hers, so Global, or a share', () => {
    const read = right(checkAccess(fabrikam(), { systemuserid: F.nina, recordid: F.samsAccount }), 'Read');
    expect(read.allowed).toBe(false);
    // Nina's Salesperson is scoped to Sales North; Sam's account is in Sales, above it.
    expect(read.remedies).toEqual([
      expect.objectContaining({ kind: 'role', rolename: 'Salesperson', from: 'Local', depth: 'Global', scopebusinessunitid: F.salesNorth }),
      expect.objectContaining({ kind: 'share', sufficient: true, command: { type: 'shareRecord', recordid: F.samsAccount, principalid: F.nina, accessrightsmask: 1 } }),
    ]);
  });

  it('every remedy, once applied, grants the right', () => {
    const s = fabrikam();
    const r = checkAccess(s, { systemuserid: F.nina, recordid: F.samsAccount });
    if (!r.ok) throw new Error(r.error.message);
    for (const x of r.value.rights) {
      for (const m of x.remedies) {
        if (!m.command || (m.kind === 'share' && !m.sufficient)) continue;
        const after = applyAll(s, [m.command]);
        if (!after.ok) throw new Error(after.error.message);
        expect(AccessEngine.of(after.state).check(F.nina, 'account', x.right, F.samsAccount), `${x.right} by ${m.kind}`).toBe(true);
      }
    }
  });

  it('checks a record that does not exist yet, from its table and owning unit', () => {
    const s = fabrikam();
    const r = checkAccess(s, { systemuserid: F.sam, entity: 'account', owningbusinessunitid: F.salesNorth });
    const read = right(r, 'Read');
    expect(read.allowed).toBe(false);
    expect(read.remedies[0]).toMatchObject({ kind: 'role', rolename: 'Salesperson', depth: 'Deep' });
    expect(read.remedies.at(-1)).toMatchObject({ kind: 'share', command: null });
    expect(right(checkAccess(s, { systemuserid: F.sam, entity: 'account', owningbusinessunitid: F.sales }), 'Read').allowed).toBe(true);
    expect(s.records.size).toBe(1);
  });

  it('refuses an owning unit that is not the owner’s', () => {
    const r = checkAccess(fabrikam(), { systemuserid: F.sam, entity: 'account', ownerid: F.nina, owningbusinessunitid: F.sales });
    expect(r).toMatchObject({ ok: false, error: { path: 'owningbusinessunitid' } });
  });
});
