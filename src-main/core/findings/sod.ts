import { z } from 'zod';
import { packedLevel } from '../access/roleTable';
import { DEPTHS, depthLevel } from '../model/depth';
import type { OrgState } from '../model/org';
import { holdingsOf } from './holdings';
import { finding, type Finding, type FindingObject } from './types';

/** One side of a separation-of-duty rule: a role (by id or name) or a privilege at a minimum depth. */
export const sodSideSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('role'), roleid: z.string().min(1).optional(), name: z.string().min(1).optional() }).refine((s) => s.roleid !== undefined || s.name !== undefined, { message: 'a role side needs roleid or name' }),
  z.object({ kind: z.literal('privilege'), privilege: z.string().startsWith('prv'), minDepth: z.enum(DEPTHS).default('Basic') }),
]);
export type SodSide = z.infer<typeof sodSideSchema>;

/** A pair no user may hold together, directly or through teams. The vault stores a list of these. */
export const sodRuleSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  description: z.string().optional(),
  severity: z.enum(['high', 'medium', 'low', 'info']).default('high'),
  a: sodSideSchema,
  b: sodSideSchema,
});
export type SodRule = z.infer<typeof sodRuleSchema>;
export type SodRuleInput = z.input<typeof sodRuleSchema>;
export const sodRulesSchema = z.array(sodRuleSchema);

interface CompiledSide {
  readonly label: string;
  readonly object: FindingObject | null;
  /** Role numbers for a role side. */
  readonly roles?: readonly number[];
  /** Privilege index and minimum level for a privilege side. */
  readonly privilege?: number;
  readonly level?: number;
}

/**
 * Users who hold both sides of a rule. A role side is held when the user holds the role directly
 * or through a team; a privilege side when the user's effective depth (every role, direct or
 * through teams) reaches the minimum. Disabled users hold nothing.
 */
export function sodFindings(state: OrgState, rules: readonly SodRule[]): Finding[] {
  if (!rules.length) return [];
  const h = holdingsOf(state);
  const e = h.engine;
  const p = e.principals;
  const out: Finding[] = [];
  const compile = (s: SodSide): CompiledSide | null => {
    if (s.kind === 'role') {
      const roles = s.roleid !== undefined ? (e.roles.index.has(s.roleid) ? [e.roles.index.get(s.roleid)!] : []) : h.rolesNamed(s.name!);
      if (!roles.length) return null;
      const label = s.roleid !== undefined ? h.roleName(roles[0]) : s.name!;
      return { label: `role ${label}`, object: roles.length === 1 ? h.role(roles[0]) : null, roles };
    }
    const def = e.catalog.privilege(s.privilege);
    if (!def) return null;
    return { label: `${def.displayname} at ${s.minDepth} or deeper`, object: { table: 'privilege', id: def.name, name: def.displayname }, privilege: def.index, level: depthLevel(s.minDepth) };
  };
  for (const rule of rules) {
    const a = compile(rule.a);
    const b = compile(rule.b);
    if (!a || !b) continue; // a side naming a role or privilege the organization lacks cannot be held
    const held = (side: CompiledSide, u: number, roleSet: Set<number>): boolean =>
      side.roles ? side.roles.some((r) => roleSet.has(r)) : packedLevel(e.effectiveLevels(u), side.privilege!) >= side.level!;
    for (let u = 0; u < p.userIds.length; u++) {
      if (!e.isActive(u)) continue;
      const roleSet = new Set<number>();
      const g = e.grantRows;
      for (let k = g.start[u]; k < g.start[u + 1]; k++) roleSet.add(g.role[k]);
      if (!held(a, u, roleSet) || !held(b, u, roleSet)) continue;
      const user = h.user(u);
      const objects = [user, ...[a.object, b.object].filter((o): o is FindingObject => o !== null)];
      out.push(
        finding(
          'separation-of-duty',
          rule.severity,
          `${user.name} breaks "${rule.name}"`,
          `${user.name} holds both ${a.label} and ${b.label} (directly or through teams), which the rule "${rule.name}" forbids.${rule.description ? ` ${rule.description}` : ''}`,
          objects,
          `Remove one of the two from ${user.name} (check the user's team memberships as well as direct roles).`,
          `${rule.id}:${user.id}`,
        ),
      );
    }
  }
  return out;
}
