import { describe, expect, it } from 'vitest';
import type { DataversePullJobDto, DataversePushDto } from '../../../../src-main/bridge/channels/dataverseLink';
import { heldText, pullProgressText, pushHeadline, toPushText } from './selectors';

const job: DataversePullJobDto = { jobid: 'j', env: 'https://contoso.crm.dynamics.com', state: 'running', table: null, done: 0, of: 13, rows: 0, error: null, result: null };

describe('the Dataverse screen’s words', () => {
  it('tells the table being read, its rows so far and the tables done while a pull runs', () => {
    expect(pullProgressText(job)).toBe('Connecting to https://contoso.crm.dynamics.com…');
    expect(pullProgressText({ ...job, table: 'systemusers', rows: 5000, done: 3 })).toBe('Reading systemusers: 5,000 row(s); 3 of 13 tables done');
  });

  it('ends a pull with the import it made, or with why it failed', () => {
    const result = { summary: 'Imported Dataverse environment https://contoso.crm.dynamics.com: 13 business unit(s)', businessunits: 13, systemusers: 40, teams: 18, roles: 28, privileges: 2355, requests: 45, throttled: 2 };
    expect(pullProgressText({ ...job, state: 'done', result })).toBe("Imported Dataverse environment https://contoso.crm.dynamics.com: 13 business unit(s); 2,355 privileges in the environment's catalog; 45 request(s), 2 throttled and waited out.");
    expect(pullProgressText({ ...job, state: 'failed', error: 'pulling https://contoso.crm.dynamics.com: 401. The vault is unchanged.' })).toBe('pulling https://contoso.crm.dynamics.com: 401. The vault is unchanged.');
  });

  it('says what the last pull held, in the order an admin reads an organization', () => {
    expect(heldText({ roles: 28, systemusers: 40, businessunits: 13, teams: 18, privileges: 2355 }, 2355)).toBe('13 business units, 40 users, 18 teams, 28 roles, 2,355 privileges');
  });

  it('heads the push results by how the push ended', () => {
    const base: Omit<DataversePushDto, 'outcome'> = { env: 'x', message: '', changeSets: [], conflicts: [], sent: 0, alreadyInEffect: 0, staged: 0 };
    expect(pushHeadline({ ...base, outcome: 'pushed' })).toBe('Pushed: the environment took every change set');
    expect(pushHeadline({ ...base, outcome: 'refused' })).toBe('Dataverse refused a change set');
    expect(pushHeadline({ ...base, outcome: 'conflict' })).toBe('Conflict: the environment changed since the pull');
  });

  it('says what a push would send: the changes applied since the pull beside the staged ones, or nothing', () => {
    const env = 'https://contoso.crm.dynamics.com';
    expect(toPushText({ applied: 2, staged: 1 }, env)).toBe('2 change(s) applied since the pull, not in the environment; 1 staged change(s) to send to https://contoso.crm.dynamics.com.');
    expect(toPushText({ applied: 0, staged: 3 }, env)).toBe('3 staged change(s) to send to https://contoso.crm.dynamics.com.');
    expect(toPushText({ applied: 1, staged: 0 }, env)).toBe('1 change(s) applied since the pull, not in the environment.');
    expect(toPushText({ applied: 0, staged: 0 }, env)).toBeNull();
  });
});
