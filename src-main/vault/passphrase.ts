import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * The passphrase for the command line: from the environment variable named by --passphrase-env,
 * or typed at a prompt (not echoed). Never from an argument, which other users can read in ps.
 */
export async function readPassphrase(opts: { envName?: string; prompt: string; env?: NodeJS.ProcessEnv; confirm?: boolean }): Promise<string> {
  const env = opts.env ?? process.env;
  if (opts.envName !== undefined) {
    const v = env[opts.envName];
    if (v === undefined || v === '') throw new Error(`environment variable ${opts.envName} (from --passphrase-env) is not set`);
    return v;
  }
  if (!process.stdin.isTTY) throw new Error('no passphrase: give --passphrase-env NAME, or run in a terminal to be prompted');
  const first = await prompt(opts.prompt);
  if (opts.confirm && (await prompt('Repeat the passphrase: ')) !== first) throw new Error('the passphrases do not match');
  return first;
}

function prompt(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}
