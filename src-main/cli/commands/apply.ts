import { randomUUID } from 'node:crypto';
import { parse, required } from '../args';
import { print, readJson, writeOrg } from '../io';
import { loadSource, SOURCE_OPTIONS } from '../source';
import { CliError, usageError } from '../errors';
import { applyAll, batchRefusal, withIds } from '../../core/commands/apply';
import type { Refusal } from '../../core/result';
import type { CliCommand } from '../command';

/** Reads a JSON array of commands and gives ids to create commands that left them out. */
export function loadCommands(path: string): unknown[] {
  const list = readJson(path, 'commands file');
  if (!Array.isArray(list)) throw new CliError(`commands file ${path}: expected a JSON array of commands`);
  return (list as unknown[]).map((c) => withIds(c, randomUUID));
}

/** A refused batch as the command line says it: the core's wording, and that nothing was written. */
export const refusalText = (error: Refusal): string => `${error.message}. Nothing was applied.`;

export const apply: CliCommand = {
  name: 'apply',
  summary: 'apply a JSON array of commands, all or nothing, and write the result (or journal it into a vault)',
  usage: 'roleatlas apply (--org FILE --out FILE | --vault PATH [--passphrase-env NAME] [--actor NAME]) --commands FILE',
  async run(argv) {
    const { values } = parse(argv, { ...SOURCE_OPTIONS, commands: { type: 'string' }, out: { type: 'string' } }, 'apply');
    if (values.vault !== undefined && values.out !== undefined) throw usageError('roleatlas apply: --out goes with --org; with --vault the commands are applied into the vault');
    const commandsPath = required(values, 'commands', 'apply');
    const out = values.vault === undefined ? required(values, 'out', 'apply') : undefined;
    const { state, vault } = await loadSource(values, 'apply', 'write');
    const commands = loadCommands(commandsPath);
    if (vault) {
      try {
        // One undoable step, journaled and audited; durable when applyAll returns.
        const r = vault.applyAll(commands);
        if (!r.ok) throw new CliError(refusalText(r.error));
        // The summaries of what was just written, from memory: no journal read back.
        for (const e of vault.lastWritten()) print(e.summary);
        print(`Applied ${r.value.length} command(s) into the vault ${values.vault}`);
      } finally {
        vault.close();
      }
      return;
    }
    const r = applyAll(state, commands);
    if (!r.ok) throw new CliError(refusalText(batchRefusal(commands, r.index, r.error)));
    writeOrg(out!, r.state);
    for (const a of r.applied) print(a.summary);
    print(`Applied ${r.applied.length} command(s); wrote ${out}`);
  },
};
