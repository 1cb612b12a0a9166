// @vitest-environment jsdom
/**
 * The Dataverse screen over the real dispatch, vault workspace and Dataverse service, against the
 * Dataverse double on loopback, with staging on as the app starts: set the environment, pull,
 * review the push (requests and access diff), send it, and what a refusal or a conflict shows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { RoleAtlasApi } from '../../../src-main/bridge/contract';
import { demoOrganization } from '../../../src-main/core/generate/demo';
import { vaultServices } from '../../../src-main/ipc/register';
import { OrgSession } from '../../../src-main/session/orgSession';
import { Workspace } from '../../../src-main/session/workspace';
import { ScriptedDesktop } from '../../../src-main/session/desktop';
import { startDataverseDouble, type RunningDouble } from '../../../test/dataverse/double/app';
import { standInSignIn } from '../../../test/dataverse/double/standInSignIn';
import { MainLayout } from '../shell/App';
import { useAppStore } from '../../store';
import { apiOver, installApi } from '../../testing/fakeApi';

const TOKEN = 'a token the double accepts';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  cleanup();
  while (cleanups.length) await cleanups.pop()!();
});

async function start(): Promise<{ double: RunningDouble; session: OrgSession; api: RoleAtlasApi }> {
  const double = await startDataverseDouble(demoOrganization(), { verifyToken: (t) => t === TOKEN });
  cleanups.push(() => double.close());
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-dataverse-screen-'));
  const session = new OrgSession(demoOrganization());
  const workspace = new Workspace({ dir: join(dir, 'vault'), actor: 'ada', session, kdf: { N: 1024, r: 8, p: 1 } });
  cleanups.push(() => {
    workspace.lock();
    rmSync(dir, { recursive: true, force: true });
  });
  expect((await workspace.create('a long vault passphrase', { kind: 'empty', name: 'Nothing yet' })).ok).toBe(true);
  const { api } = apiOver({ ...vaultServices(session, workspace, new ScriptedDesktop()), dataverse: standInSignIn(double.url, TOKEN) });
  useAppStore.setState(useAppStore.getInitialState(), true);
  installApi(api, { staging: true });
  await useAppStore.getState().loadVaultStatus();
  render(<MainLayout />);
  fireEvent.click(within(screen.getByRole('navigation', { name: 'Screens' })).getByRole('button', { name: /^Dataverse/ }));
  await screen.findByRole('form', { name: 'Dataverse environment' });
  return { double, session, api };
}

/** The window opened again over the same main (as after a restart): nothing of the last window's state is left. */
async function reopen(api: RoleAtlasApi) {
  cleanup();
  useAppStore.setState(useAppStore.getInitialState(), true);
  installApi(api, { staging: true });
  await useAppStore.getState().loadVaultStatus();
  render(<MainLayout />);
  fireEvent.click(within(screen.getByRole('navigation', { name: 'Screens' })).getByRole('button', { name: /^Dataverse/ }));
  await screen.findByRole('form', { name: 'Dataverse environment' });
}

async function pull(url: string) {
  fireEvent.change(screen.getByLabelText('Environment URL'), { target: { value: url } });
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  await screen.findByText('Saved in the vault.');
  fireEvent.click(screen.getByRole('button', { name: 'Pull' }));
  const progress = await screen.findByRole('status', { name: 'Pull progress' });
  await within(progress).findByText(/^Imported Dataverse environment/, {}, { timeout: 20_000 });
}

const roleNamed = (session: OrgSession, name: string) => [...session.current.roles.values()].find((r) => r.name === name)!;
const stage = async (api: RoleAtlasApi, commands: Parameters<RoleAtlasApi['staging:stage']>[0]['commands']) => {
  const r = await api['staging:stage']({ commands });
  if (!r.ok) throw new Error(r.error.message);
  await useAppStore.getState().loadDataverse();
};

describe('the Dataverse screen', () => {
  it("refuses an environment URL that is not the environment's root, in the command line's words, and keeps nothing", async () => {
    await start();
    fireEvent.change(screen.getByLabelText('Environment URL'), { target: { value: 'https://contoso.crm.dynamics.com/main.aspx?appid=1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/the environment URL is the environment's root, without a path .*try https:\/\/contoso\.crm\.dynamics\.com/);
    expect(screen.getByRole('button', { name: 'Pull' })).toHaveProperty('disabled', true);
    fireEvent.change(screen.getByLabelText(/Application \(client\) id/), { target: { value: 'not a guid' } });
    fireEvent.change(screen.getByLabelText('Environment URL'), { target: { value: 'https://contoso.crm.dynamics.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/clientid: must be an application \(client\) id, a GUID/));
    expect(screen.queryByText('Saved in the vault.')).toBeNull();
  });

  it('pulls the environment with progress, then says where it was pulled from, when, and what it held', async () => {
    const { double } = await start();
    expect(screen.getByText('This vault has not been pulled from a Dataverse environment yet.')).toBeTruthy();
    await pull(double.url);
    expect(screen.getByText('ada@contoso.onmicrosoft.com')).toBeTruthy();
    const last = within(screen.getByLabelText('Last pull'));
    expect(last.getByText(double.url)).toBeTruthy();
    expect(last.getByText(/just now/)).toBeTruthy();
    expect(last.getByText(/13 business units, 40 users, .* privileges/)).toBeTruthy();
    // The organization of the environment is now the one every screen shows.
    await waitFor(() => expect(screen.getByLabelText('Organization').textContent).toMatch(/127\.0\.0\.1/));
  });

  it('reviews the push with every Web API request and the access diff, sends it, and shows the change set applied', async () => {
    const { double, session, api } = await start();
    await pull(double.url);
    const sales = roleNamed(session, 'Salesperson');
    await stage(api, [{ type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Local' }]);
    await screen.findByText(/^1 staged change\(s\) to send/);
    fireEvent.click(screen.getByRole('button', { name: 'Review push' }));
    const requests = await screen.findByRole('table', { name: 'Web API requests' });
    const rows = within(requests).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0].textContent).toMatch(new RegExp(`POSTroles\\(${sales.roleid}\\)/Microsoft\\.Dynamics\\.CRM\\.AddPrivilegesRole\\{"Privileges":\\[\\{"Depth":"Local"`));
    const diff = screen.getByRole('table', { name: 'Changes per table and right' });
    expect(within(diff).getByRole('button', { name: 'account' })).toBeTruthy();
    expect(double.env.log.filter((l) => l.method !== 'GET')).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Send 1 request(s) to Dataverse' }));
    const results = await screen.findByRole('status', { name: 'Push results' }, { timeout: 20_000 });
    expect(within(results).getByRole('heading').textContent).toBe('Pushed: the environment took every change set');
    const changeSet = within(within(results).getByRole('table', { name: 'Change sets' })).getAllByRole('row')[1];
    expect(within(changeSet).getAllByRole('cell').map((c) => c.textContent)).toEqual(['1', '1', '1', 'Applied', '']);
    await screen.findByText(/^Nothing is staged/);
    expect(session.current.roles.get(sales.roleid)!.privileges.prvDeleteAccount).toBe('Local');
  });

  it("shows Dataverse's own message on the change set it refused, and the staged change stays", async () => {
    const { double, session, api } = await start();
    await pull(double.url);
    const kendall = [...session.current.systemusers.values()].find((u) => u.fullname === 'Kendall Events')!;
    const escalations = [...session.current.teams.values()].find((t) => t.name === 'Escalations')!;
    await stage(api, [{ type: 'addTeamMember', teamid: escalations.teamid, systemuserid: kendall.systemuserid }]);
    fireEvent.click(await screen.findByRole('button', { name: 'Review push' }));
    await screen.findByRole('table', { name: 'Web API requests' });
    double.env.data.systemusers.delete(kendall.systemuserid); // deleted in the environment meanwhile
    fireEvent.click(screen.getByRole('button', { name: 'Send 1 request(s) to Dataverse' }));
    const results = await screen.findByRole('status', { name: 'Push results' }, { timeout: 20_000 });
    expect(within(results).getByRole('heading').textContent).toBe('Dataverse refused a change set');
    const row = within(within(results).getByRole('table', { name: 'Change sets' })).getAllByRole('row')[1];
    expect(row.textContent).toMatch(/Refused.*systemuser With Id = [0-9a-f-]+ Does Not Exist/);
    expect(screen.getByText(/^1 staged change\(s\) to send/)).toBeTruthy();
  });

  it('shows each field the environment changed since the pull beside the vault’s value when sending, and offers to pull again', async () => {
    const { double, session, api } = await start();
    await pull(double.url);
    const escalations = [...session.current.teams.values()].find((t) => t.name === 'Escalations')!;
    await stage(api, [{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }]);
    double.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Review push' }));
    const requests = await screen.findByRole('table', { name: 'Web API requests' });
    expect(within(requests).getAllByRole('row')[1].textContent).toMatch(/PATCHteams\([0-9a-f-]+\) If-Match: W\/"\d+"\{"name":"Escalations \(EMEA\)"\}/);
    fireEvent.click(screen.getByRole('button', { name: 'Send 1 request(s) to Dataverse' }));
    const results = await screen.findByRole('status', { name: 'Push results' }, { timeout: 20_000 });
    expect(within(results).getByRole('heading').textContent).toBe('Conflict: the environment changed since the pull');
    const conflicts = within(results).getByRole('table', { name: 'Conflicts per field' });
    expect(within(conflicts).getAllByRole('row')[1].textContent).toBe('team Escalationsname"Escalations""Escalations (Americas)"');
    expect(within(results).getByRole('button', { name: 'Pull again' })).toBeTruthy();
    expect(screen.getByText(/^1 staged change\(s\) to send/)).toBeTruthy();
  });

  it('counts a change applied with staging off beside the staged ones, reviews it first, and pushes it', async () => {
    const { double, session, api } = await start();
    await pull(double.url);
    const sales = roleNamed(session, 'Salesperson');
    const escalations = [...session.current.teams.values()].find((t) => t.name === 'Escalations')!;
    const r = await api['org:apply']({ command: { type: 'setRolePrivilege', roleid: sales.roleid, privilege: 'prvDeleteAccount', depth: 'Global' } });
    if (!r.ok) throw new Error(r.error.message);
    await stage(api, [{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }]);
    expect((await screen.findByLabelText('To push')).textContent).toMatch(/^1 change\(s\) applied since the pull, not in the environment; 1 staged change\(s\) to send to http/);

    fireEvent.click(screen.getByRole('button', { name: 'Review push' }));
    const applied = await screen.findByRole('list', { name: 'Applied since the pull' });
    expect(applied.textContent).toMatch(/Salesperson/);
    const rows = within(screen.getByRole('table', { name: 'Web API requests' })).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell')[4].textContent)).toEqual([expect.stringMatching(/^applied1\. .*Salesperson/), expect.stringMatching(/^staged1\. .*Escalations \(EMEA\)/)]);
    fireEvent.click(screen.getByRole('button', { name: 'Send 2 request(s) to Dataverse' }));
    const results = await screen.findByRole('status', { name: 'Push results' }, { timeout: 20_000 });
    expect(within(results).getByRole('heading').textContent).toBe('Pushed: the environment took every change set');
    await screen.findByText(/^Nothing is staged/);
    expect(double.env.data.teams.get(escalations.teamid)!.name).toBe('Escalations (EMEA)');
  });

  it('refuses a pull over changes not pushed, and Discard and pull replaces the organization with the environment’s', async () => {
    const { double, session, api } = await start();
    await pull(double.url);
    const escalations = [...session.current.teams.values()].find((t) => t.name === 'Escalations')!;
    const r = await api['org:apply']({ command: { type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' } });
    if (!r.ok) throw new Error(r.error.message);
    await useAppStore.getState().loadDataverse();
    const unpushed = await screen.findByRole('group', { name: 'Changes not pushed' });
    expect(unpushed.textContent).toMatch(/^1 change\(s\) applied since the pull are not in the environment/);

    fireEvent.click(screen.getByRole('button', { name: 'Pull' }));
    const progress = await screen.findByRole('status', { name: 'Pull progress' });
    await within(progress).findByText(/^pulling .*: 1 change\(s\) applied to the vault since the pull of .* are not in the environment \("Updated team Escalations \(EMEA\)"\); push them first, or discard them .*The vault is unchanged\.$/, {}, { timeout: 20_000 });
    expect(session.current.teams.get(escalations.teamid)!.name).toBe('Escalations (EMEA)');

    fireEvent.click(within(unpushed).getByRole('button', { name: 'Discard and pull' }));
    fireEvent.click(within(unpushed).getByRole('button', { name: 'Discard 1 change(s) and pull' }));
    await within(screen.getByRole('status', { name: 'Pull progress' })).findByText(/^Imported Dataverse environment/, {}, { timeout: 20_000 });
    await waitFor(() => expect(screen.queryByRole('group', { name: 'Changes not pushed' })).toBeNull());
    expect(session.current.teams.get(escalations.teamid)!.name).toBe('Escalations');
  });

  /** Escalations renamed in the vault (staged) and in the environment since the pull, and the push sent into that conflict. */
  async function pushIntoConflict() {
    const { double, session, api } = await start();
    await pull(double.url);
    const escalations = [...session.current.teams.values()].find((t) => t.name === 'Escalations')!;
    await stage(api, [{ type: 'updateTeam', teamid: escalations.teamid, name: 'Escalations (EMEA)' }]);
    double.env.handle({ method: 'PATCH', path: `teams(${escalations.teamid})`, headers: {}, body: JSON.stringify({ name: 'Escalations (Americas)' }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Review push' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Send 1 request(s) to Dataverse' }));
    await screen.findByRole('status', { name: 'Push results' }, { timeout: 20_000 });
    return { double, session, api, escalations };
  }

  it('shows the last push conflict again when the window opens anew, until the admin pulls again', async () => {
    const { api } = await pushIntoConflict();

    await reopen(api);
    const kept = await screen.findByRole('region', { name: 'Push conflict' });
    expect(within(kept).getByRole('heading').textContent).toBe('The last push was refused: the environment changed since the pull');
    expect(within(within(kept).getByRole('table', { name: 'Conflicts per field' })).getAllByRole('row')[1].textContent).toBe('team Escalationsname"Escalations""Escalations (Americas)"');
    fireEvent.click(within(kept).getByRole('button', { name: 'Pull again' }));
    const progress = await screen.findByRole('status', { name: 'Pull progress' });
    await within(progress).findByText(/^Pulled the changes of Dataverse environment/, {}, { timeout: 20_000 });
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Push conflict' })).toBeNull());
    expect(screen.getByText(/^1 staged change\(s\) to send/)).toBeTruthy();
  });

  it('forgets the kept push conflict when the admin dismisses it', async () => {
    const { session, api, escalations } = await pushIntoConflict();
    await reopen(api);
    fireEvent.click(within(await screen.findByRole('region', { name: 'Push conflict' })).getByRole('button', { name: 'Dismiss' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Push conflict' })).toBeNull());
    expect(session.current.teams.get(escalations.teamid)!.name).toBe('Escalations');
  });
});
