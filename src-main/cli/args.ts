import { parseArgs } from 'node:util';
import { usageError } from './errors';
import { isAccessRight, RIGHTS, type AccessRight } from '../core/model/accessRights';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

/** A token is never taken as an argument (other users can read it in ps): refused before anything else, naming the way. */
export function refuseTokenArgument(argv: readonly string[], command: string): void {
  if (argv.some((a) => a === '--token' || a.startsWith('--token='))) throw usageError(`roleatlas ${command}: the token is never an argument (other users can read it in ps); put it in an environment variable and give --token-env NAME`);
}

/** Strict parsing: an unknown option or a missing value is a usage error naming it. */
export function parse<T extends OptionSpec>(argv: string[], options: T, command: string) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw usageError(`roleatlas ${command}: ${(e as Error).message.replace(/^.*?: /, '')}. See roleatlas ${command} --help`);
  }
}

export function required(values: Record<string, unknown>, name: string, command: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw usageError(`roleatlas ${command}: --${name} is required. See roleatlas ${command} --help`);
  return v;
}

export function rightOption(values: Record<string, unknown>, command: string): AccessRight {
  const v = required(values, 'right', command);
  const match = RIGHTS.find((r) => r.toLowerCase() === v.toLowerCase());
  if (!match || !isAccessRight(match)) throw usageError(`roleatlas ${command}: --right must be one of ${RIGHTS.join(', ')} (got "${v}")`);
  return match;
}

export function intOption(values: Record<string, unknown>, name: string, fallback: number, command: string, min = 0): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) {
    throw usageError(`roleatlas ${command}: --${name} must be a whole number${min ? ` of at least ${min}` : ''} (got "${String(v)}")`);
  }
  return n;
}
