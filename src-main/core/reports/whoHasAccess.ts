import { AccessEngine } from '../access/engine';
import type { AccessRight } from '../model/accessRights';
import { depthLevel, depthOfLevel, type Depth } from '../model/depth';
import type { OrgState } from '../model/org';
import { grantLabeller } from './grants';
import { depthCell, type Report, type ReportContext } from './model';

export interface WhoHasAccessQuery {
  readonly entity: string;
  readonly right: AccessRight;
  /** Users holding the privilege at least this deep. Default Basic (anyone holding it). */
  readonly minDepth?: Depth;
}

/** Every enabled user holding RIGHT on ENTITY at MIN depth or deeper, with the grants that give it. */
export function whoHasAccessReport(state: OrgState, ctx: ReportContext, q: WhoHasAccessQuery): Report {
  const engine = AccessEngine.of(state);
  const def = engine.catalog.privilegeFor(q.entity, q.right);
  if (!def) throw new RangeError(engine.catalog.entities.has(q.entity) ? `${q.entity} has no ${q.right} privilege` : `unknown table "${q.entity}"`);
  const min = depthLevel(q.minDepth ?? 'Basic');
  const p = engine.principals;
  const g = engine.grantRows;
  const label = grantLabeller(state, engine);
  const scopeName = (x: number) => state.businessunits.get(p.tree.ids[x])?.name ?? p.tree.ids[x];
  const users: number[] = [];
  for (let u = 0; u < p.userIds.length; u++) if (engine.levelOf(u, def.index) >= min) users.push(u);
  const table = engine.catalog.entities.get(q.entity)!.displayname;
  return {
    kind: 'who-has-access',
    title: `Who can ${q.right} ${table} at ${q.minDepth ?? 'Basic'} or deeper`,
    organization: state.organization.name,
    generatedAt: ctx.generatedAt,
    source: ctx.source,
    parameters: [['Table', `${table} (${q.entity})`], ['Right', q.right], ['Privilege', def.name], ['Minimum depth', q.minDepth ?? 'Basic'], ['Users', String(users.length)]],
    sections: [
      {
        title: `${q.right} ${table}`,
        note: 'Disabled users and users of disabled business units have no access and are not listed. Records shared with a user are not counted here.',
        legend: true,
        tables: [
          {
            columns: [
              { header: 'User', kind: 'text', width: 24 },
              { header: 'Sign-in name', kind: 'text', width: 30 },
              { header: 'Business unit', kind: 'text', width: 22 },
              { header: 'Depth', kind: 'depth', width: 12 },
              { header: 'Path', kind: 'text', width: 70 },
            ],
            size: users.length,
            *rows() {
              for (const u of users) {
                const user = state.systemusers.get(p.userIds[u])!;
                const level = engine.levelOf(u, def.index);
                const paths: string[] = [];
                for (let k = g.start[u]; k < g.start[u + 1]; k++) {
                  const l = engine.roles.levels[g.role[k]][def.index];
                  if (l < min) continue;
                  const s = `${label(k)} at ${depthOfLevel(l)} in ${scopeName(g.scope[k])}`;
                  if (!paths.includes(s)) paths.push(s);
                }
                yield [user.fullname, user.domainname, scopeName(p.userUnit[u]), depthCell(depthOfLevel(level)), paths.join('; ')];
              }
            },
          },
        ],
      },
    ],
  };
}
