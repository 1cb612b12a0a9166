/** An error the command line reports as one line on stderr, with an exit code (2: usage, 1: bad input or refusal). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message);
  }
}
export const usageError = (message: string) => new CliError(message, 2);
