import { parse, required, rightOption } from '../args';
import { print } from '../io';
import { loadSource, SOURCE_OPTIONS } from '../source';
import { CliError, usageError } from '../errors';
import type { Principal } from '../../core/access/engine';
import { preview as previewAccess } from '../../core/access/preview';
import type { CliCommand } from '../command';

/** Exactly one of --user, --team, or --role with --business-unit. */
function principalOption(values: Record<string, unknown>): Principal {
  const given = ['user', 'team', 'role'].filter((k) => typeof values[k] === 'string');
  if (given.length !== 1) throw usageError('roleatlas preview: give exactly one of --user ID, --team ID or --role ID (with --business-unit ID)');
  if (values.user) return { kind: 'user', systemuserid: values.user as string };
  if (values.team) return { kind: 'team', teamid: values.team as string };
  return { kind: 'role', roleid: values.role as string, businessunitid: required(values, 'business-unit', 'preview') };
}

export const preview: CliCommand = {
  name: 'preview',
  summary: 'the deepest depth reaching every business unit and the records reached there',
  usage: 'roleatlas preview (--org FILE | --vault PATH [--passphrase-env NAME]) (--user ID | --team ID | --role ID --business-unit ID) --entity NAME --right RIGHT [--json]',
  async run(argv) {
    const { values } = parse(argv, { ...SOURCE_OPTIONS, user: { type: 'string' }, team: { type: 'string' }, role: { type: 'string' }, 'business-unit': { type: 'string' }, entity: { type: 'string' }, right: { type: 'string' }, json: { type: 'boolean' } }, 'preview');
    const { state, vault } = await loadSource(values, 'preview', 'read');
    vault?.lock();
    const principal = principalOption(values);
    const r = previewAccess(state, principal, required(values, 'entity', 'preview'), rightOption(values, 'preview'));
    if (!r.ok) throw new CliError(`${r.error.message}`);
    const p = r.value;
    if (values.json) {
      print(JSON.stringify({ depth: p.depth, privilege: p.privilege, records: p.records, businessunits: p.businessunits }, null, 2));
      return;
    }
    const who =
      principal.kind === 'user' ? state.systemusers.get(principal.systemuserid)!.fullname
      : principal.kind === 'team' ? `team ${state.teams.get(principal.teamid)!.name}`
      : `a holder of ${state.roles.get(principal.roleid)!.name} in ${state.businessunits.get(principal.businessunitid)!.name}`;
    print(`${who}: ${p.right} ${p.entity} (${p.privilege} at ${p.depth ?? 'None'}): ${p.records} record(s)`);
    for (const [id, u] of Object.entries(p.businessunits)) {
      if (u.depth) print(`  ${state.businessunits.get(id)!.name}: ${u.depth}, ${u.records} record(s)`);
    }
  },
};
