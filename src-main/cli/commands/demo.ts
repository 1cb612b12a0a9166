import { parse, required } from '../args';
import { print, writeOrg } from '../io';
import { demoOrganization } from '../../core/generate/demo';
import type { CliCommand } from '../command';

export const demo: CliCommand = {
  name: 'demo',
  summary: 'write the demo organization (Contoso) as an interchange file',
  usage: 'roleatlas demo --out FILE',
  run(argv) {
    const { values } = parse(argv, { out: { type: 'string' } }, 'demo');
    const out = required(values, 'out', 'demo');
    const state = demoOrganization();
    writeOrg(out, state);
    print(`Wrote ${out}: ${state.businessunits.size} business units, ${state.systemusers.size} users, ${state.teams.size} teams, ${state.roles.size} roles, ${state.records.size} records, ${state.shares.size} shares`);
  },
};
