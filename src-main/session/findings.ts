import type { ResponseOf } from '../bridge/contract';
import { randomUUID } from 'node:crypto';
import { countBySeverity, findings, sodRulesSchema, type SodRule, type SodRuleInput } from '../core/findings/index';
import { refusalFromZod, type Result } from '../core/result';
import type { OrgState } from '../core/model/org';
import { openVaultOf } from './audit';
import type { VaultControl } from './workspace';

/** Findings sent to the window at most; the counts always cover all of them. */
export const MAX_FINDINGS = 5000;

/**
 * The separation-of-duty rules of the open organization: in the vault's settings, or in memory
 * when the organization has no vault (they are then lost on quit).
 */
export class SodRules {
  private memory: SodRule[] = [];
  constructor(
    private readonly workspace: VaultControl,
    private readonly newId: () => string = randomUUID,
  ) {}

  list(): readonly SodRule[] {
    const vault = openVaultOf(this.workspace);
    return vault ? vault.getSettings().separationOfDuty : this.memory;
  }

  add(rule: Omit<SodRuleInput, 'id'>): Result<readonly SodRule[]> {
    return this.replace([...this.list(), { ...rule, id: this.newId() }]);
  }

  remove(id: string): Result<readonly SodRule[]> {
    const now = this.list();
    if (!now.some((r) => r.id === id)) return { ok: false, error: { code: 'not-found', message: `no separation-of-duty rule ${id}` } };
    return this.replace(now.filter((r) => r.id !== id));
  }

  private replace(rules: readonly SodRuleInput[]): Result<readonly SodRule[]> {
    const parsed = sodRulesSchema.safeParse(rules);
    if (!parsed.success) return { ok: false, error: refusalFromZod(parsed.error, 'rules') };
    const vault = openVaultOf(this.workspace);
    if (!vault) {
      this.memory = parsed.data;
      return { ok: true, value: this.memory };
    }
    const r = vault.setSettings({ separationOfDuty: parsed.data });
    return r.ok ? { ok: true, value: r.value.separationOfDuty } : r;
  }
}

/** The security review with the stored rules, most severe first. */
export function review(state: OrgState, rules: readonly SodRule[]): ResponseOf<'findings:review'> {
  const list = findings(state, { sodRules: rules });
  return { counts: countBySeverity(list), total: list.length, findings: list.slice(0, MAX_FINDINGS), rules };
}

const rulesOf = new WeakMap<VaultControl, SodRules>();

/** One rule list per workspace, shared by the findings screen and the findings report. */
export function sodRulesOf(workspace: VaultControl): SodRules {
  let r = rulesOf.get(workspace);
  if (!r) rulesOf.set(workspace, (r = new SodRules(workspace)));
  return r;
}
