import { vi } from 'vitest';
import { CliError } from '../errors';
import type { CliCommand } from '../command';

export interface CommandRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one roleatlas command in this process as main() would, capturing what it prints: exit code
 * 0, or the CliError's code and message (what main writes to stderr). Anything else is a bug and throws.
 */
export async function runCommand(command: CliCommand, args: readonly string[]): Promise<CommandRun> {
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await command.run([...args]);
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    if (e instanceof CliError) return { code: e.exitCode, stdout, stderr: e.message };
    throw e;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
