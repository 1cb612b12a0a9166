import { parse, required } from '../args';
import { print } from '../io';
import { loadSource, SOURCE_OPTIONS } from '../source';
import { CliError } from '../errors';
import { diff as accessDiff } from '../../core/access/diff';
import { loadCommands, refusalText } from './apply';
import { batchRefusal } from '../../core/commands/apply';
import type { CliCommand } from '../command';

export const diff: CliCommand = {
  name: 'diff',
  summary: 'what a set of commands would grant and remove, per user × entity × right (applies nothing)',
  usage: 'roleatlas diff (--org FILE | --vault PATH [--passphrase-env NAME]) --commands FILE [--json]',
  async run(argv) {
    const { values } = parse(argv, { ...SOURCE_OPTIONS, commands: { type: 'string' }, json: { type: 'boolean' } }, 'diff');
    const { state, vault } = await loadSource(values, 'diff', 'read');
    vault?.lock();
    const commands = loadCommands(required(values, 'commands', 'diff'));
    const r = accessDiff(state, commands);
    if (!r.ok) throw new CliError(refusalText(batchRefusal(commands, r.index, r.error)));
    if (values.json) {
      print(JSON.stringify({ changes: r.changes }, null, 2));
      return;
    }
    if (!r.changes.length) print('No user gains or loses access.');
    for (const c of r.changes) {
      const what = c.entity ? `${c.right} ${c.entity}` : c.privilege;
      const records = c.entity ? `, records ${c.recordsBefore} → ${c.recordsAfter}` : '';
      print(`${c.fullname}: ${what}: ${c.depthBefore ?? 'None'} → ${c.depthAfter ?? 'None'}${records}`);
    }
  },
};
