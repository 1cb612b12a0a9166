import type { z } from 'zod';

/** Why a command, a file or a request was refused. `path` points at the offending value when there is one. */
export interface Refusal {
  readonly code: string;
  readonly message: string;
  readonly path?: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Refusal };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const refused = (code: string, message: string, path?: string): { ok: false; error: Refusal } => ({
  ok: false,
  error: path === undefined ? { code, message } : { code, message, path },
});

/** Renders a zod path as JSON-ish text: businessunits[3].name */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** The first problem of a zod error, as a refusal naming where it is. */
export function refusalFromZod(error: z.ZodError, prefix = '', code = 'invalid'): Refusal {
  const issue = error.issues[0];
  const path = formatPath(issue.path, prefix);
  return { code, message: `${path}: ${issue.message}`, path };
}
