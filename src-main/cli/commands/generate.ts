import { intOption, parse, required } from '../args';
import { print, writeOrg } from '../io';
import { BENCH_ORG, syntheticOrganization } from '../../core/generate/synthetic';
import type { CliCommand } from '../command';

const SIZES = {
  users: 'users',
  'business-units': 'businessunits',
  depth: 'depth',
  teams: 'teams',
  'team-members': 'teamMembers',
  roles: 'roles',
  entities: 'entities',
  records: 'records',
  shares: 'shares',
  'popular-role-holders': 'popularRoleHolders',
  seed: 'seed',
} as const;

export const generate: CliCommand = {
  name: 'generate',
  summary: 'write a synthetic organization of a chosen size (defaults: the benchmark organization)',
  usage: `roleatlas generate --out FILE [${Object.keys(SIZES).map((k) => `--${k} N`).join('] [')}]`,
  run(argv) {
    const spec = Object.fromEntries([...Object.keys(SIZES), 'out'].map((k) => [k, { type: 'string' as const }]));
    const { values } = parse(argv, spec, 'generate');
    const out = required(values, 'out', 'generate');
    const options = Object.fromEntries(
      Object.entries(SIZES).map(([flag, key]) => [key, intOption(values, flag, BENCH_ORG[key], 'generate', flag === 'business-units' || flag === 'depth' ? 1 : 0)]),
    );
    if (options.popularRoleHolders > options.users) options.popularRoleHolders = options.users;
    const state = syntheticOrganization(options);
    writeOrg(out, state);
    print(`Wrote ${out}: ${state.businessunits.size} business units, ${state.systemusers.size} users, ${state.teams.size} teams, ${state.roles.size} roles, ${state.records.size} records, ${state.shares.size} shares`);
  },
};
