import { parse } from '../args';
import { print, writeOrg } from '../io';
import { loadSource, SOURCE_OPTIONS, type OrgSource } from '../source';
import { CliError, usageError } from '../errors';
import { applyAll, batchRefusal } from '../../core/commands/apply';
import { refusalText } from './apply';
import type { Command } from '../../core/commands/schema';
import { loadSolutionPaths } from '../../importers/solution/loadSolution';
import { planSolutionImport, type ImportPreview, type ProfilePreview, type RolePreview } from '../../importers/solution/plan';
import { problemText } from '../../importers/problems';
import type { CliCommand } from '../command';

/**
 * Applies commands computed by an import to where the organization came from. With --org the
 * interchange file is rewritten in place (atomically), only after every command was accepted.
 * --vault goes through the vault once source.ts can open one.
 */
/**
 * Applies an import's commands all or nothing: into the vault as one undoable, journaled and
 * audited step, or into the --org file, rewritten in place only when every command applied.
 */
export function applyToSource(values: Record<string, unknown>, source: OrgSource, commands: readonly Command[], command: string): { applied: number; summaries: string[] } {
  if (source.vault) {
    const r = source.vault.applyAll([...commands]);
    if (!r.ok) throw new CliError(refusalText(r.error));
    return { applied: r.value.length, summaries: r.value.map((e) => e.command.type) };
  }
  const org = values.org;
  if (typeof org !== 'string' || org === '') throw usageError(`roleatlas ${command}: --org is required. See roleatlas ${command} --help`);
  const r = applyAll(source.state, commands);
  if (!r.ok) throw new CliError(refusalText(batchRefusal(commands, r.index, r.error)));
  writeOrg(org, r.state);
  return { applied: r.applied.length, summaries: r.applied.map((a) => a.summary) };
}

const depth = (d: string | null) => d ?? 'None';

/** "1,238 privileges: 1,180 known, 40 inferred, 18 unverified" */
export function privilegeCounts(c: RolePreview['counts']): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${n(c.known + c.inferred + c.unverified)} privileges: ${n(c.known)} known, ${n(c.inferred)} inferred, ${n(c.unverified)} unverified`;
}

function roleLines(title: string, list: readonly RolePreview[], detail: boolean): string[] {
  if (!list.length) return [];
  const out = [`${title} (${list.length}):`];
  for (const r of list) {
    const by = r.matchedby === 'name' ? ` (matched by name: id ${r.roleid} in the organization)` : '';
    out.push(`  ${r.name}${by}  [${r.file}]  ${privilegeCounts(r.counts)}`);
    if (!detail) continue;
    for (const f of r.fields) out.push(`    ${f.field}: ${String(f.before ?? '')} → ${String(f.after ?? '')}`);
    for (const c of r.changes) out.push(`    ${c.privilege}: ${depth(c.before)} → ${depth(c.after)}`);
  }
  return out;
}

function profileLines(title: string, list: readonly ProfilePreview[], detail: boolean): string[] {
  if (!list.length) return [];
  const out = [`${title} (${list.length}):`];
  const flags = (f: { canread: number; cancreate: number; canupdate: number } | null) => (f ? `read ${f.canread ? 'yes' : 'no'}, create ${f.cancreate ? 'yes' : 'no'}, update ${f.canupdate ? 'yes' : 'no'}` : 'none');
  for (const p of list) {
    out.push(`  ${p.name}${p.matchedby === 'name' ? ' (matched by name)' : ''}  [${p.file}]`);
    if (!detail) continue;
    for (const f of p.fields) out.push(`    ${f.field}: ${String(f.before ?? '')} → ${String(f.after ?? '')}`);
    for (const c of p.changes) out.push(`    ${c.entityname}.${c.attributelogicalname}: ${flags(c.before)} → ${flags(c.after)}`);
  }
  return out;
}

export function previewText(p: ImportPreview): string {
  return [
    ...roleLines('New roles', p.roles.new, false),
    ...roleLines('Changed roles', p.roles.changed, true),
    ...roleLines('Unchanged roles', p.roles.unchanged, false),
    ...profileLines('New field security profiles', p.profiles.new, true),
    ...profileLines('Changed field security profiles', p.profiles.changed, true),
    ...profileLines('Unchanged field security profiles', p.profiles.unchanged, false),
    ...p.warnings.map((w) => `warning: ${problemText(w)}`),
    ...p.errors.map((e) => `error: ${problemText(e)}`),
  ].join('\n');
}

export const importRoles: CliCommand = {
  name: 'import-roles',
  summary: 'import security roles and field security profiles from solution files, folders or zips (a preview first)',
  usage: 'roleatlas import-roles PATH... (--org FILE | --vault PATH [--passphrase-env NAME]) [--dry-run] [--json]',
  async run(argv) {
    const { values, positionals } = parse(argv, { ...SOURCE_OPTIONS, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, 'import-roles');
    if (!positionals.length) throw usageError('roleatlas import-roles: give at least one PATH (a role .xml, customizations.xml, an unpacked solution folder or a solution .zip)');
    const content = await loadSolutionPaths(positionals);
    const source = await loadSource(values, 'import-roles', 'write');
    try {
      await importInto(values, source, content);
    } finally {
      source.vault?.lock();
    }
  },
};

async function importInto(values: Record<string, unknown>, source: OrgSource, content: Awaited<ReturnType<typeof loadSolutionPaths>>): Promise<void> {
  const plan = planSolutionImport(source.state, content);
  const { preview } = plan;
  const dryRun = values['dry-run'] === true;
  const nothingFound = !content.roles.length && !content.profiles.length && !preview.errors.length;

  let applied: { applied: number; summaries: string[] } | null = null;
  if (!preview.errors.length && !dryRun && plan.commands.length) applied = applyToSource(values, source, plan.commands, 'import-roles');

  if (values.json) {
    print(JSON.stringify({ preview, commands: plan.commands, applied: applied?.applied ?? 0, written: applied ? source.label : null }, null, 2));
  } else {
    const text = previewText(preview);
    if (text) print(text);
    if (applied) print(`Applied ${applied.applied} command(s); wrote ${source.label}`);
    else if (dryRun && !preview.errors.length) print(`Dry run: ${plan.commands.length} command(s) would be applied; nothing was written.`);
    else if (!preview.errors.length && !nothingFound) print('Nothing to import: every role and profile is already as the files say.');
  }
  if (nothingFound) throw new CliError('no security roles or field security profiles found in the given paths');
  if (preview.errors.length) throw new CliError(`${preview.errors.length} problem(s) in the files; nothing was imported`);
}
