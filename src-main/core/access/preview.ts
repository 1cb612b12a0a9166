import type { AccessRight } from '../model/accessRights';
import { depthOfLevel, type Depth } from '../model/depth';
import type { Id, OrgState } from '../model/org';
import { refused, ok, type Result } from '../result';
import { AccessEngine } from './engine';

export interface UnitPreview {
  readonly depth: Depth | null;
  readonly records: number;
}

export interface Preview {
  readonly systemuserid: Id;
  readonly entity: string;
  readonly right: AccessRight;
  readonly privilege: string;
  /** The user's deepest depth for the privilege. */
  readonly depth: Depth | null;
  /** Records of the entity the user reaches in the whole organization. */
  readonly records: number;
  readonly businessunits: Readonly<Record<Id, UnitPreview>>;
}

/** For every business unit: the deepest depth that reaches it and how many records of the entity the user reaches there. */
export function preview(state: OrgState, userId: Id, entity: string, right: AccessRight): Result<Preview> {
  const engine = AccessEngine.of(state);
  const u = engine.userIndex(userId);
  if (u === undefined) return refused('not-found', `user ${userId} does not exist`, 'user');
  const priv = engine.catalog.privilegeFor(entity, right);
  if (!priv) return refused('not-found', engine.catalog.entities.has(entity) ? `${entity} has no ${right} privilege` : `unknown table "${entity}"`, 'entity');
  const tree = engine.principals.tree;
  const U = tree.ids.length;
  const perUnit = { levels: new Uint8Array(U), counts: new Int32Array(U) };
  const total = engine.reach(u, priv, entity, right, perUnit);
  const businessunits: Record<Id, UnitPreview> = {};
  for (let x = 0; x < U; x++) businessunits[tree.ids[x]] = { depth: depthOfLevel(perUnit.levels[x]), records: perUnit.counts[x] };
  return ok({ systemuserid: userId, entity, right, privilege: priv.name, depth: depthOfLevel(total.level), records: total.records, businessunits });
}
