import { CliError } from './errors';
import type { CliCommand } from './command';
import { demo } from './commands/demo';
import { generate } from './commands/generate';
import { check } from './commands/check';
import { preview } from './commands/preview';
import { apply } from './commands/apply';
import { diff } from './commands/diff';
import { importRoles } from './commands/importRoles';
import { exportRoles } from './commands/exportRoles';
import { importUsers } from './commands/importUsers';
import { server } from './commands/server';
import { vault } from './commands/vault';
import { sync } from './commands/sync';
import { report } from './commands/report';
import { findings } from './commands/findings';
import { dataverse } from './commands/dataverse';

const COMMANDS: readonly CliCommand[] = [demo, generate, check, preview, apply, diff, vault, sync, dataverse, findings, report, importRoles, exportRoles, importUsers, server];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'roleatlas: offline administration of Dynamics 365 / Dataverse role-based security',
    '',
    'Usage: roleatlas <command> [options]   (roleatlas <command> --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Rights: Create, Read, Write, Delete, Append, AppendTo, Assign, Share. Depths: Basic, Local, Deep, Global.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`roleatlas: unknown command "${name}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return 0;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`roleatlas ${name}: ${e.message.replace(new RegExp(`^roleatlas ${name}: `), '')}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
