import { parse, required, rightOption } from '../args';
import { print } from '../io';
import { loadSource, SOURCE_OPTIONS } from '../source';
import { CliError } from '../errors';
import { AccessEngine, type AccessPath } from '../../core/access/engine';
import type { CliCommand } from '../command';

export function describePath(p: AccessPath): string {
  const via = p.via === 'direct' ? 'held directly' : `through team ${p.teamname}${p.inheritedfromteam ? ' (member privileges inherited)' : ''}`;
  const how: Record<AccessPath['reach'], string> = {
    organization: 'every record in the organization',
    'businessunit-and-below': `records in ${p.scopebusinessunitname} and the units below`,
    businessunit: `records in ${p.scopebusinessunitname}`,
    owner: 'records the user owns',
    'team-owner': 'records owned by a team of the user',
    share: `a share with ${p.sharedwith} (AccessRights ${p.accessrightsmask})`,
    hierarchy: `hierarchy security: manager of ${p.reportid} (${p.managerlevel} level(s) up)`,
  };
  return `${p.rolename} at ${p.depth}, ${via}: ${how[p.reach]}`;
}

export const check: CliCommand = {
  name: 'check',
  summary: 'can a user do RIGHT on ENTITY (or on one record)? every path that grants it, or why not',
  usage: 'roleatlas check (--org FILE | --vault PATH [--passphrase-env NAME]) --user ID --entity NAME --right RIGHT [--record ID] [--json]',
  async run(argv) {
    const { values } = parse(argv, { ...SOURCE_OPTIONS, user: { type: 'string' }, entity: { type: 'string' }, right: { type: 'string' }, record: { type: 'string' }, json: { type: 'boolean' } }, 'check');
    const { state, vault } = await loadSource(values, 'check', 'read');
    vault?.lock();
    const user = required(values, 'user', 'check');
    const entity = required(values, 'entity', 'check');
    const right = rightOption(values, 'check');
    if (!state.systemusers.has(user)) throw new CliError(`user ${user} does not exist in the organization`);
    const engine = AccessEngine.of(state);
    if (!engine.catalog.entities.has(entity)) throw new CliError(`unknown table "${entity}"`);
    if (values.record !== undefined && !state.records.has(values.record)) throw new CliError(`record ${values.record} does not exist in the organization`);
    const x = engine.explain(user, entity, right, values.record);
    if (values.json) {
      print(JSON.stringify({ allowed: x.allowed, depth: x.depth, privilege: x.privilege, paths: x.paths, reasons: x.reasons }, null, 2));
      return;
    }
    const who = state.systemusers.get(user)!.fullname;
    print(`${who}: ${right} ${entity}${values.record ? ` record ${values.record}` : ''}: ${x.allowed ? 'ALLOWED' : 'DENIED'} (${x.privilege ?? 'no privilege'} at ${x.depth ?? 'None'})`);
    for (const p of x.paths) print(`  + ${describePath(p)}`);
    for (const r of x.reasons) print(`  - ${r}`);
  },
};
