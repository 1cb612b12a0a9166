import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parse } from '../args';
import { print } from '../io';
import { loadSource, SOURCE_OPTIONS, type OrgSource } from '../source';
import { CliError, usageError } from '../errors';
import { MAX_CSV_BYTES, planUserImport } from '../../importers/users/csvUsers';
import { applyToSource } from './importRoles';
import type { CliCommand } from '../command';

function readCsv(path: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new CliError(`users file ${path}: file not found`);
  }
  if (size > MAX_CSV_BYTES) throw new CliError(`users file ${path}: file is ${size} bytes; the limit is ${MAX_CSV_BYTES}`);
  return readFileSync(path, 'utf8');
}

export const importUsers: CliCommand = {
  name: 'import-users',
  summary: 'add users from a CSV file (fullname, domainname, email, businessunit, manager, roles, teams), all or nothing',
  usage: 'roleatlas import-users FILE.csv (--org FILE | --vault PATH [--passphrase-env NAME]) [--dry-run] [--json]',
  async run(argv) {
    const { values, positionals } = parse(argv, { ...SOURCE_OPTIONS, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, 'import-users');
    if (positionals.length !== 1) throw usageError('roleatlas import-users: give exactly one CSV file. See roleatlas import-users --help');
    const file = positionals[0];
    const text = readCsv(file);
    const source = await loadSource(values, 'import-users', 'write');
    try {
      report(values, file, source, planUserImport(source.state, text, randomUUID));
    } finally {
      source.vault?.lock();
    }
  },
};

function report(values: Record<string, unknown>, file: string, source: OrgSource, plan: ReturnType<typeof planUserImport>): void {
  const dryRun = values['dry-run'] === true;
  let applied: { applied: number } | null = null;
  if (!plan.errors.length && !dryRun && plan.commands.length) applied = applyToSource(values, source, plan.commands, 'import-users');
  if (values.json) {
    print(JSON.stringify({ users: plan.users, errors: plan.errors, commands: plan.commands, applied: applied?.applied ?? 0, written: applied ? source.label : null }, null, 2));
  } else {
    for (const e of plan.errors) print(`${file}: row ${e.row}, ${e.column}: ${e.reason}`);
    if (!plan.errors.length) {
      for (const u of plan.users) print(`row ${u.row}: ${u.fullname} (${u.domainname}) in ${u.businessunit}${u.roles.length ? `; roles ${u.roles.join(', ')}` : ''}${u.teams.length ? `; teams ${u.teams.join(', ')}` : ''}`);
      if (applied) print(`Added ${plan.users.length} user(s) with ${applied.applied} command(s); wrote ${source.label}`);
      else print(`Dry run: ${plan.users.length} user(s), ${plan.commands.length} command(s) would be applied; nothing was written.`);
    }
  }
  if (plan.errors.length) throw new CliError(`${plan.errors.length} problem(s) in ${file}; no user was added`);
}
