/**
 * The hierarchy screen's figures over the benchmark organization: recomputing the depth overlay
 * for one user over every unit (what the graph asks on each change of user, table or right), and
 * the staged diff of a role change held by ~10,000 users through the staging service (the same
 * diff() the CLI prints).
 */
import type { OrgState } from '../../src-main/core/model/org';
import { OrgSession } from '../../src-main/session/orgSession';
import { overlay } from '../../src-main/session/hierarchy';
import { Staging } from '../../src-main/session/staging';
import { medianMs, round } from './measure';

export const HIERARCHY_TARGETS: Record<string, number> = { overlay_one_user_ms: 16, staged_diff_role_change_ms: 200 };

export async function benchHierarchy(state: OrgState): Promise<Record<string, number>> {
  const users = [...state.systemusers.keys()];
  const rights = ['Read', 'Write'] as const;
  const overlayMs = medianMs(41, (i) => {
    const r = overlay(state, null, { principal: { kind: 'user', systemuserid: users[(i * 7919) % users.length] }, entity: 'account', right: rights[i % 2] });
    if (!r.ok) throw new Error(r.error.message);
  });
  const session = new OrgSession(state);
  const staging = new Staging(session);
  const depths = ['Deep', 'Global', 'Basic', 'Local'] as const;
  const diffMs = medianMs(
    5,
    () => {
      const r = staging.diff(5000);
      if (!r.ok) throw new Error(r.error.message);
    },
    (i) => {
      session.setStaged([{ type: 'setRolePrivilege', roleid: 'r-0000', privilege: 'prvReadAccount', depth: depths[i % depths.length] }]);
    },
  );
  return { overlay_one_user_ms: round(overlayMs, 2), staged_diff_role_change_ms: round(diffMs, 1) };
}
