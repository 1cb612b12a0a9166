import type { DataversePullJobDto, DataversePushDto, DataverseStatusDto } from '../../../../src-main/bridge/channels/dataverseLink';
import type { AppStore } from '../../index';

export const dataverseSelectors = {
  status: (s: AppStore) => s.dataverseStatus,
  pull: (s: AppStore) => s.dataversePull,
  pulling: (s: AppStore) => s.dataversePull?.state === 'running',
  plan: (s: AppStore) => s.dataversePlan,
  push: (s: AppStore) => s.dataversePush,
  error: (s: AppStore) => s.dataverseError,
  /** The error shown by one part of the screen: settings, pull or push. */
  errorAt: (s: AppStore) => s.dataverseErrorAt,
  busy: (s: AppStore) => s.dataverseBusy,
};

/** The pull's progress in a line: "Reading systemusers: 40 row(s); 3 of 13 tables done". */
export function pullProgressText(job: DataversePullJobDto): string {
  if (job.state === 'failed') return job.error ?? 'The pull failed.';
  if (job.state === 'done') return job.result ? `${job.result.summary}; ${job.result.privileges.toLocaleString()} privileges in the environment's catalog; ${job.result.requests.toLocaleString()} request(s)${job.result.throttled ? `, ${job.result.throttled} throttled and waited out` : ''}.` : 'Pulled.';
  if (!job.table) return `Connecting to ${job.env}…`;
  return `Reading ${job.table}: ${job.rows.toLocaleString()} row(s); ${job.done} of ${job.of} tables done`;
}

/** The push's outcome as a heading. */
export function pushHeadline(push: DataversePushDto): string {
  switch (push.outcome) {
    case 'pushed':
      return 'Pushed: the environment took every change set';
    case 'refused':
      return 'Dataverse refused a change set';
    case 'unknown':
      return 'No answer for a change set';
    case 'conflict':
      return 'Conflict: the environment changed since the pull';
  }
}

const COUNTED = ['businessunits', 'systemusers', 'teams', 'roles', 'fieldsecurityprofiles'] as const;
const LABEL: Record<(typeof COUNTED)[number], string> = { businessunits: 'business units', systemusers: 'users', teams: 'teams', roles: 'roles', fieldsecurityprofiles: 'field security profiles' };

/** What the last pull held, in words: "13 business units, 40 users, …". */
export function heldText(counts: Readonly<Record<string, number>>, privileges: number): string {
  const parts = COUNTED.filter((k) => counts[k] !== undefined).map((k) => `${counts[k].toLocaleString()} ${LABEL[k]}`);
  return [...parts, `${privileges.toLocaleString()} privileges`].join(', ');
}

/** What a push would send, beside each other: "2 change(s) applied since the pull, not in the environment; 1 staged change(s) to send". Null when nothing. */
export function toPushText(status: Pick<DataverseStatusDto, 'applied' | 'staged'>, env: string): string | null {
  const parts = [...(status.applied ? [`${status.applied} change(s) applied since the pull, not in the environment`] : []), ...(status.staged ? [`${status.staged} staged change(s) to send to ${env}`] : [])];
  return parts.length ? `${parts.join('; ')}.` : null;
}
