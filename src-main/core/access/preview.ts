import type { AccessRight } from '../model/accessRights';
import { depthOfLevel, type Depth } from '../model/depth';
import type { Id, OrgState } from '../model/org';
import { refused, ok, type Result } from '../result';
import { AccessEngine, type Principal } from './engine';

export interface UnitPreview {
  readonly depth: Depth | null;
  readonly records: number;
}

export interface Preview {
  readonly principal: Principal;
  readonly entity: string;
  readonly right: AccessRight;
  readonly privilege: string;
  /** The principal's deepest depth for the privilege. */
  readonly depth: Depth | null;
  /** Records of the entity the user reaches in the whole organization. */
  readonly records: number;
  readonly businessunits: Readonly<Record<Id, UnitPreview>>;
}

const describe = (p: Principal) => (p.kind === 'user' ? `user ${p.systemuserid}` : p.kind === 'team' ? `team ${p.teamid}` : `role ${p.roleid} in business unit ${p.businessunitid}`);

/**
 * For every business unit: the deepest depth that reaches it and how many records of the entity
 * the principal reaches there. A plain id is a user.
 */
export function preview(state: OrgState, who: Id | Principal, entity: string, right: AccessRight): Result<Preview> {
  const engine = AccessEngine.of(state);
  const principal: Principal = typeof who === 'string' ? { kind: 'user', systemuserid: who } : who;
  const subject = engine.subject(principal);
  if (!subject) return refused('not-found', `${describe(principal)} does not exist`, principal.kind);
  const priv = engine.catalog.privilegeFor(entity, right);
  if (!priv) return refused('not-found', engine.catalog.entities.has(entity) ? `${entity} has no ${right} privilege` : `unknown table "${entity}"`, 'entity');
  const tree = engine.principals.tree;
  const U = tree.ids.length;
  const perUnit = { levels: new Uint8Array(U), counts: new Int32Array(U) };
  const total = engine.reachSubject(subject, priv, entity, right, perUnit);
  const businessunits: Record<Id, UnitPreview> = {};
  for (let x = 0; x < U; x++) businessunits[tree.ids[x]] = { depth: depthOfLevel(perUnit.levels[x]), records: perUnit.counts[x] };
  return ok({ principal, entity, right, privilege: priv.name, depth: depthOfLevel(total.level), records: total.records, businessunits });
}
