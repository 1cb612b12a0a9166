import { usageError } from './errors';
import { loadOrg } from './io';
import type { OrgState } from '../core/model/org';

/** Where a command reads the organization from. `--org FILE` today; the vault adds `--vault PATH`. */
export interface OrgSource {
  readonly state: OrgState;
  /** For messages: the file or vault the state came from. */
  readonly label: string;
}

export const SOURCE_OPTIONS = { org: { type: 'string' } } as const;

export function loadSource(values: Record<string, unknown>, command: string): OrgSource {
  const org = values.org;
  if (typeof org !== 'string' || org === '') throw usageError(`roleatlas ${command}: --org is required. See roleatlas ${command} --help`);
  return { state: loadOrg(org), label: org };
}
