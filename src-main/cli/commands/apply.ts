import { randomUUID } from 'node:crypto';
import { parse, required } from '../args';
import { print, readJson, writeOrg } from '../io';
import { loadSource, SOURCE_OPTIONS } from '../source';
import { CliError } from '../errors';
import { applyAll, withIds } from '../../core/commands/apply';
import type { CliCommand } from '../command';

/** Reads a JSON array of commands and gives ids to create commands that left them out. */
export function loadCommands(path: string): unknown[] {
  const list = readJson(path, 'commands file');
  if (!Array.isArray(list)) throw new CliError(`commands file ${path}: expected a JSON array of commands`);
  return list.map((c) => (c && typeof c === 'object' && 'type' in c ? withIds(c as { type: string }, randomUUID) : c));
}

export function refusalText(commands: unknown[], index: number, message: string): string {
  const type = (commands[index] as { type?: unknown } | null)?.type;
  return `command ${index + 1} of ${commands.length}${typeof type === 'string' ? ` (${type})` : ''} refused: ${message}. Nothing was applied.`;
}

export const apply: CliCommand = {
  name: 'apply',
  summary: 'apply a JSON array of commands, all or nothing, and write the result',
  usage: 'roleatlas apply --org FILE --commands FILE --out FILE',
  run(argv) {
    const { values } = parse(argv, { ...SOURCE_OPTIONS, commands: { type: 'string' }, out: { type: 'string' } }, 'apply');
    const { state } = loadSource(values, 'apply');
    const commands = loadCommands(required(values, 'commands', 'apply'));
    const out = required(values, 'out', 'apply');
    const r = applyAll(state, commands);
    if (!r.ok) throw new CliError(refusalText(commands, r.index, r.error.message));
    writeOrg(out, r.state);
    for (const a of r.applied) print(a.summary);
    print(`Applied ${r.applied.length} command(s); wrote ${out}`);
  },
};
