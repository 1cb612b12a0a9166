import { readFileSync } from 'node:fs';
import { parse, intOption } from '../args';
import { print } from '../io';
import { loadSource } from '../source';
import { SOURCE_OPTIONS } from '../source';
import { CliError } from '../errors';
import { countBySeverity, findings as review, sodRulesSchema, type SodRule } from '../../core/findings/index';
import type { CliCommand } from '../command';

/** --sod FILE: a JSON array of separation-of-duty rules (besides those stored in the vault). */
export function sodRulesFrom(path: unknown): SodRule[] {
  if (typeof path !== 'string') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CliError(`separation-of-duty rules ${path}: ${(e as Error).message}`);
  }
  const r = sodRulesSchema.safeParse(raw);
  if (!r.success) throw new CliError(`separation-of-duty rules ${path}: ${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`);
  return r.data;
}

export const findings: CliCommand = {
  name: 'findings',
  summary: 'a security review of the model: users without roles, risky privileges, app-pack and separation-of-duty rules',
  usage: 'roleatlas findings (--org FILE | --vault PATH [--passphrase-env NAME]) [--sod RULES.json] [--near-duplicates N] [--json]',
  async run(argv) {
    const { values } = parse(argv, { ...SOURCE_OPTIONS, sod: { type: 'string' }, 'near-duplicates': { type: 'string' }, json: { type: 'boolean' } }, 'findings');
    const source = await loadSource(values, 'findings', 'read');
    const state = source.state;
    const stored = source.vault?.getSettings().separationOfDuty ?? [];
    source.vault?.lock();
    const list = review(state, { sodRules: [...stored, ...sodRulesFrom(values.sod)], nearDuplicateMax: intOption(values, 'near-duplicates', 3, 'findings') });
    if (values.json) {
      print(JSON.stringify({ organization: state.organization.name, source: source.label, counts: countBySeverity(list), findings: list }, null, 2));
      return;
    }
    const c = countBySeverity(list);
    print(`${state.organization.name}: ${list.length} finding(s): ${c.high} high, ${c.medium} medium, ${c.low} low, ${c.info} info`);
    for (const f of list) {
      print(`\n[${f.severity.toUpperCase()}] ${f.title}`);
      print(`  ${f.explanation}`);
      print(`  Fix: ${f.fix}`);
    }
  },
};
