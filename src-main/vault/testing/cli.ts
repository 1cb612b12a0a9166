/**
 * The command line with `vault` registered, for the vault's CLI tests until cli/main.ts lists it:
 * the same dispatch and error handling as main.ts.
 */
import { CliError } from '../../cli/errors';
import { vault } from '../../cli/commands/vault';
import { check } from '../../cli/commands/check';
import { preview } from '../../cli/commands/preview';
import { apply } from '../../cli/commands/apply';
import { diff } from '../../cli/commands/diff';

const [name, ...rest] = process.argv.slice(2);
const command = [vault, check, preview, apply, diff].find((c) => c.name === name);
if (!command) {
  process.stderr.write(`unknown command ${name}\n`);
  process.exitCode = 2;
} else {
  try {
    await command.run(rest);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    process.stderr.write(`roleatlas ${name}: ${e.message.replace(new RegExp(`^roleatlas ${name}: `), '')}\n`);
    process.exitCode = e.exitCode;
  }
}
