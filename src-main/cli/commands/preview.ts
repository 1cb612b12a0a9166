import { parse, required, rightOption } from '../args';
import { print } from '../io';
import { loadSource, SOURCE_OPTIONS } from '../source';
import { CliError } from '../errors';
import { preview as previewAccess } from '../../core/access/preview';
import type { CliCommand } from '../command';

export const preview: CliCommand = {
  name: 'preview',
  summary: 'the deepest depth reaching every business unit and the records reached there',
  usage: 'roleatlas preview --org FILE --user ID --entity NAME --right RIGHT [--json]',
  run(argv) {
    const { values } = parse(argv, { ...SOURCE_OPTIONS, user: { type: 'string' }, entity: { type: 'string' }, right: { type: 'string' }, json: { type: 'boolean' } }, 'preview');
    const { state } = loadSource(values, 'preview');
    const r = previewAccess(state, required(values, 'user', 'preview'), required(values, 'entity', 'preview'), rightOption(values, 'preview'));
    if (!r.ok) throw new CliError(`${r.error.message}`);
    const p = r.value;
    if (values.json) {
      print(JSON.stringify({ depth: p.depth, privilege: p.privilege, records: p.records, businessunits: p.businessunits }, null, 2));
      return;
    }
    print(`${state.systemusers.get(p.systemuserid)!.fullname}: ${p.right} ${p.entity} (${p.privilege} at ${p.depth ?? 'None'}): ${p.records} record(s)`);
    for (const [id, u] of Object.entries(p.businessunits)) {
      if (u.depth) print(`  ${state.businessunits.get(id)!.name}: ${u.depth}, ${u.records} record(s)`);
    }
  },
};
