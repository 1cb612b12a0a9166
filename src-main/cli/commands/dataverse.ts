import { parse, required, refuseTokenArgument } from '../args';
import { environmentOption, login, logout, tokenFromEnvironment, tokenSource } from './dataverseSignIn';
import { vaultSignInStore } from '../../dataverse/signIn/vaultCache';
import { print } from '../io';
import { openVault, vaultFailure } from '../source';
import { CliError, usageError } from '../errors';
import type { CliCommand } from '../command';
import { Connection, DataverseError } from '../../dataverse/connection';
import type { PullProgress } from '../../dataverse/pull';
import { countTables, DEFAULT_COUNT_TABLES } from '../../dataverse/recordCounts';
import { PushConflict, show, type PlannedRequest } from '../../dataverse/push';
import { sincePullStatus } from '../../dataverse/sincePull';
import { commandPart, dismissConflict, planVaultPush, pullIntoVault, pushedWhat, pushVault, type PushPlan } from '../../dataverse/vaultLink';
import { groupsOf } from '../../session/staging';

const OPTIONS = { vault: { type: 'string' }, 'passphrase-env': { type: 'string' }, actor: { type: 'string' }, env: { type: 'string' }, 'token-env': { type: 'string' }, json: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, counts: { type: 'string' }, full: { type: 'boolean' } } as const;

const USAGE = [
  'roleatlas dataverse login --vault PATH --env URL [--client-id ID] [--authority URL] [--passphrase-env NAME]',
  '       roleatlas dataverse logout --vault PATH [--passphrase-env NAME]',
  '       roleatlas dataverse pull --vault PATH --env URL [--token-env NAME] [--counts TABLE,...|none] [--full] [--passphrase-env NAME] [--json]',
  '       roleatlas dataverse push --vault PATH --env URL [--token-env NAME] [--dry-run] [--passphrase-env NAME] [--json]',
  '       roleatlas dataverse status --vault PATH [--passphrase-env NAME] [--json]',
  '       roleatlas dataverse dismiss-conflict --vault PATH [--passphrase-env NAME]',
  '',
  'login signs in to the environment through Microsoft Entra ID with a device code: it prints a web',
  'page and a code to stderr; open the page in any browser, enter the code and sign in there. The',
  "tokens (access, refresh, ID) are kept in the vault, encrypted with everything else, so later pull",
  'and push renew them without asking. --client-id is the app registration (default: Microsoft\'s',
  'public client for Dataverse tools, 51f81489-12ee-4a9e-aaae-a2591f45987d); --authority the sign-in',
  'authority (default https://login.microsoftonline.com/organizations; a single-tenant app registration',
  'gives https://login.microsoftonline.com/TENANT-ID). logout removes the tokens from the vault.',
  '',
  'pull reads the security model of a Dataverse environment (https://ORG.crm.dynamics.com) through',
  'the Web API v9.2 and imports it into the vault (journaled and audited like every import): business',
  "units, users, teams and memberships, roles with every privilege at its depth (a role's copies in",
  'each business unit become one role), role assignments, field security profiles, and the',
  "environment's privilege table (tables the built-in catalog does not know are added). It also counts",
  "the records of user-owned tables per owner (FetchXML aggregates, no record is pulled) so previews",
  'say how many records a change reaches: --counts names the tables (default',
  `${DEFAULT_COUNT_TABLES.join(',')}, each skipped when the environment does not have it; none`,
  'counts nothing). Progress goes to stderr.',
  'A second pull of the same environment asks the tables it tracks changes of (Prefer:',
  'odata.track-changes) only for rows added, changed or deleted since, reads the others in full, and',
  'applies only the differences, as journaled changes; --full replaces the whole organization instead.',
  'Changes applied to the vault since the last pull and not pushed stop a pull (it would revert them),',
  'naming how many and the first few: push them first, or pull with --full, which discards them and',
  'says so in the audit log.',
  'The access token comes from the sign-in kept in the vault (dataverse login), or from the',
  'environment variable named by --token-env; never from an argument. status says which environment',
  'the vault was pulled from, when, what it held, the records counted, and who is signed in where.',
  '',
  "push sends what the environment lacks to the environment the vault was pulled from: first the",
  'changes applied to the vault since the last pull (with staging off, or undone after a push; a change',
  'undone before the push cancels out), then the staged change set: privileges',
  '(AddPrivilegesRole, RemovePrivilegeRole, ReplacePrivilegesRole), role assignments and team members,',
  'business units, users, teams, roles and field security profiles created (under the ids the vault',
  'holds), changed or deleted, managers and team administrators, a unit moved under another, a user',
  'moved to another unit (SetBusinessSystemUser), units and users disabled or enabled, field',
  'permissions and profile members. Records, shares, hierarchy security and custom tables have no',
  'push: a staged set holding them is refused, naming each, and nothing is sent; applied since the',
  'pull, they stay in the vault only and are listed as such. A PATCH carries',
  "If-Match with the row's version from the pull: a row changed in the environment since then is",
  "shown as a conflict per field (the environment's value beside the vault's). Requests go as $batch",
  'change sets of at most 1,000 requests (each applies whole or not at all). Before sending it prints',
  'every Web API request in order and the access diff',
  '(users gaining or losing each entity × right, most affected first); --dry-run stops there. Once the',
  'environment has taken every change set, the staged set is applied to the vault (journaled and',
  'audited) and cleared. When Dataverse refuses a change set, its message is shown with the change set',
  'and how many before it were applied, and the vault keeps the staged set. Requests the environment',
  'already holds (from a push whose answer was lost) are not sent again. A conflict is kept in the',
  'vault, and status lists it, until a pull brings the vault in line or dismiss-conflict forgets it.',
].join('\n');

export const dataverse: CliCommand = {
  name: 'dataverse',
  summary: 'connect the vault to a Dataverse environment: dataverse login, logout, pull, push, status, dismiss-conflict',
  usage: USAGE,
  async run(argv) {
    refuseTokenArgument(argv, 'dataverse');
    const [sub, ...rest] = argv;
    if (sub === 'login') return login(rest);
    if (sub === 'logout') return logout(rest);
    if (sub === 'pull') return pull(rest);
    if (sub === 'push') return push(rest);
    if (sub === 'status') return status(rest);
    if (sub === 'dismiss-conflict') return dismiss(rest);
    throw usageError(`roleatlas dataverse: ${sub ? `unknown subcommand "${sub}"` : 'a subcommand is required'}. Subcommands: login, logout, pull, push, status, dismiss-conflict`);
  },
};

async function pull(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, OPTIONS, 'dataverse pull');
  if (positionals.length) throw usageError(`roleatlas dataverse pull: unexpected argument "${positionals[0]}"`);
  required(values, 'vault', 'dataverse pull');
  const env = environmentOption(values, 'dataverse pull');
  const given = tokenFromEnvironment(values);
  let counts: string[];
  try {
    counts = values.counts === 'none' ? [] : countTables(values.counts);
  } catch (e) {
    throw usageError(`roleatlas dataverse pull: --counts ${(e as Error).message}`);
  }

  const vault = await openVault(values, 'dataverse pull', 'write');
  try {
    const token = await tokenSource(given, vault, String(values.vault), env, 'dataverse pull');
    const progress = (p: PullProgress) => process.stderr.write(`\r${p.done}/${p.of} tables: ${p.table} ${p.rows.toLocaleString('en-US')} ${p.kind === 'counted' ? 'record(s) counted' : p.kind === 'changes' ? 'change(s)' : 'row(s)'}`.padEnd(70));
    let report;
    try {
      report = await pullIntoVault(vault, new Connection({ url: env, token }), { onProgress: progress, counts: values.counts === undefined ? undefined : counts, full: values.full === true });
    } catch (e) {
      if (e instanceof DataverseError || e instanceof Error) throw new CliError(`pulling ${env}: ${e.message}. The vault is unchanged.`);
      throw e;
    } finally {
      process.stderr.write('\n');
    }
    const json = { env, delta: report.delta, applied: report.applied, changes: report.changes, businessunits: report.businessunits, systemusers: report.systemusers, teams: report.teams, roles: report.roles, privileges: report.privileges, recordcounts: report.recordCounts, countsmissing: report.countsMissing, requests: report.requests, throttled: report.throttled, throttledwaitms: report.throttledWaitMs };
    const counted = Object.entries(report.recordCounts).map(([t, n]) => `${n.toLocaleString('en-US')} ${t}`).join(', ');
    print(
      values.json
        ? JSON.stringify(json)
        : `${report.summary}; ${report.privileges} privileges in the environment's catalog${counted ? `; records counted: ${counted}` : ''}${report.countsMissing.length ? ` (the environment has no ${report.countsMissing.join(', ')})` : ''}; ${report.requests} request(s)${report.throttled ? `, ${report.throttled} throttled (waited ${report.throttledWaitMs / 1000} s)` : ''}`,
    );
  } catch (e) {
    vaultFailure(e);
  } finally {
    vault.lock();
  }
}

async function status(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, OPTIONS, 'dataverse status');
  if (positionals.length) throw usageError(`roleatlas dataverse status: unexpected argument "${positionals[0]}"`);
  required(values, 'vault', 'dataverse status');
  const vault = await openVault(values, 'dataverse status', 'read');
  const link = vault.getSyncState().dataverse ?? null;
  const staged = vault.getStaged().length;
  const since = sincePullStatus(vault, link ?? undefined);
  const kept = vaultSignInStore(() => vault).read();
  vault.lock();
  const signedin = kept ? { env: kept.env, username: kept.username, name: kept.name, clientid: kept.clientid, authority: kept.authority, signinrequired: kept.interaction?.reason ?? null } : null;
  const conflict = link?.pushconflict;
  if (values.json) return print(JSON.stringify({ env: link?.env ?? null, pulledat: link?.pulledat ?? null, counts: link?.counts ?? {}, recordcounts: link?.recordcounts ?? {}, staged, applied: since.applied, kept: since.kept, sincepull: since.problem, signedin, pushconflict: conflict ? { detectedat: conflict.detectedat, message: conflict.message, fields: conflict.fields.map((f) => ({ change: f.command + 1, what: f.what, field: f.field, environment: f.environment, vault: f.vault })) } : null }));
  const who = signedin
    ? `Signed in to ${signedin.env} as ${signedin.username}${signedin.name ? ` (${signedin.name})` : ''}, client id ${signedin.clientid}, through ${signedin.authority}${signedin.signinrequired ? `\nSign-in required: ${signedin.signinrequired}; run roleatlas dataverse login --vault PATH --env ${signedin.env}` : ''}`
    : 'Not signed in to Dataverse; roleatlas dataverse login --vault PATH --env URL signs in';
  if (!link) return print(`${String(values.vault)} has not been pulled from a Dataverse environment; roleatlas dataverse pull --vault PATH --env URL does it\n${who}`);
  const counted = Object.entries(link.recordcounts ?? {});
  const records = counted.length ? `Records counted (per owner, for previews): ${counted.map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`).join(', ')}` : 'No records counted; dataverse pull --counts TABLE,... counts them';
  const conflicts = conflict
    ? `\nThe push at ${conflict.detectedat} was refused: the environment changed since the pull (pull again to bring the vault in line, or dismiss-conflict to forget it):\n${conflict.fields.map((f) => `  change ${f.command + 1}, ${f.what}, ${f.field}: ${show(f.environment)} in the environment, ${show(f.vault)} in the vault`).join('\n') || `  ${conflict.message}`}`
    : '';
  const applied = since.problem ?? `${since.applied} change(s) applied since the pull, not in the environment${since.kept ? ` (and ${since.kept} kept in the vault only: records, shares)` : ''}`;
  print(`Pulled from ${link.env} at ${link.pulledat}: ${link.counts.systemusers ?? 0} user(s), ${link.counts.roles ?? 0} role(s), ${Object.keys(link.privileges).length} privileges; ${staged} staged change(s); ${applied}\n${records}\n${who}${conflicts}`);
}

async function dismiss(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, OPTIONS, 'dataverse dismiss-conflict');
  if (positionals.length) throw usageError(`roleatlas dataverse dismiss-conflict: unexpected argument "${positionals[0]}"`);
  required(values, 'vault', 'dataverse dismiss-conflict');
  const vault = await openVault(values, 'dataverse dismiss-conflict', 'write');
  try {
    print(dismissConflict(vault) ? `Dismissed the push conflict kept in ${String(values.vault)}` : `${String(values.vault)} keeps no push conflict; nothing to dismiss`);
  } catch (e) {
    vaultFailure(e);
  } finally {
    vault.lock();
  }
}

const requestText = (r: PlannedRequest) => `${r.method} ${r.path}${r.body ? ` ${JSON.stringify(r.body)}` : ''}`;

async function push(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, OPTIONS, 'dataverse push');
  if (positionals.length) throw usageError(`roleatlas dataverse push: unexpected argument "${positionals[0]}"`);
  required(values, 'vault', 'dataverse push');
  const env = environmentOption(values, 'dataverse push');
  const given = tokenFromEnvironment(values);
  const dryRun = values['dry-run'] === true;

  // A dry run only reads, unless it renews the vault's sign-in: the renewed tokens are written back.
  const vault = await openVault(values, 'dataverse push', dryRun && given !== null ? 'read' : 'write');
  try {
    if (!vault.getSyncState().dataverse) throw new CliError(`${String(values.vault)} has not been pulled from a Dataverse environment; pull it from ${env} first (its ids are the environment's)`);
    const connection = new Connection({ url: env, token: await tokenSource(given, vault, String(values.vault), env, 'dataverse push') });
    let plan: PushPlan;
    try {
      plan = await planVaultPush(vault, connection);
    } catch (e) {
      if (e instanceof Error) throw new CliError(`pushing to ${env}: ${e.message}`);
      throw e;
    }
    const { staged, applied, kept, commands, requests, held, pending, changeSets, changes, summaries } = plan;
    const keptJson = kept.map((k) => ({ step: k.step, summary: k.summary, why: k.why }));
    const keptText = () => {
      if (!kept.length) return;
      print(`Kept in the vault only (no Dataverse equivalent): ${kept.length} change(s) applied since the pull`);
      kept.forEach((k) => print(`  - ${k.summary}  [${k.step}]: ${k.why}`));
    };
    if (!commands.length) {
      if (values.json) print(JSON.stringify({ kind: 'plan', env, dryRun, staged: 0, applied: [], kept: keptJson, changeSets: 0, requests: [], diff: { total: 0, gain: 0, lose: 0, change: 0, groups: [], changes: [] } }));
      else {
        print(`${String(values.vault)} has no changes applied since the pull and no staged changes; nothing to push`);
        keptText();
      }
      return;
    }
    const count = { gain: 0, lose: 0, change: 0 };
    for (const c of changes) count[c.direction]++;
    const groups = groupsOf(changes);

    const planned = {
      kind: 'plan',
      env,
      dryRun,
      staged: staged.length,
      applied: applied.map((a) => ({ step: a.step, summary: a.summary })),
      kept: keptJson,
      changeSets,
      requests: requests.map((r, i) => ({ ...commandPart(plan, r.command), method: r.method, path: r.path, ...(r.body ? { body: r.body } : {}), ...(r.ifMatch ? { ifMatch: r.ifMatch.etag } : {}), inEffect: held[i] })),
      diff: { total: changes.length, ...count, groups, changes },
    };
    // With --json, one line (JSON Lines): the plan before anything is sent, then what the push did.
    if (values.json) print(JSON.stringify(planned));
    else {
      print(`${dryRun ? 'Would push' : 'Pushing'} ${pushedWhat(plan)} to ${env}: ${pending.length} Web API request(s) in ${changeSets} change set(s)${pending.length < requests.length ? `; ${requests.length - pending.length} already in effect in the environment, not sent` : ''}`);
      if (applied.length) {
        print(`Applied since the pull, not in the environment (${applied.length}):`);
        applied.forEach((a, i) => {
          if (a.step !== applied[i - 1]?.step) print(`  ${a.step}`);
          print(`    ${i + 1}. ${a.summary}`);
        });
      }
      keptText();
      requests.forEach((r, i) => {
        const at = commandPart(plan, r.command);
        print(`  ${i + 1}. ${requestText(r)}  [${at.part === 'applied' ? 'applied' : 'staged'} change ${at.change}: ${summaries[r.command]}]${held[i] ? ' (already in effect; not sent)' : ''}`);
      });
      print(`Access diff: ${changes.length} user × entity × right change(s): ${count.gain} gain, ${count.lose} lose, ${count.change} change`);
      for (const g of groups) print(`  ${g.entity ? `${g.right} ${g.entity}` : g.privilege}: ${g.gain} user(s) gain, ${g.lose} lose${g.change ? `, ${g.change} change` : ''}`);
    }
    if (dryRun) {
      if (!values.json) print('Dry run: nothing was sent and the vault is unchanged.');
      return;
    }

    let report;
    try {
      report = await pushVault(vault, connection, plan, { onBatch: (done, of) => process.stderr.write(`change set ${done} of ${of} applied\n`) });
    } catch (e) {
      if (e instanceof PushConflict && values.json) print(JSON.stringify({ kind: 'conflict', env, fields: e.fields.map((f) => ({ change: f.command + 1, what: f.what, field: f.field, environment: f.environment, vault: f.vault })) }));
      if (e instanceof DataverseError) throw new CliError(`pushing to ${env}: ${e.message}. The vault is unchanged and keeps ${pushedWhat(plan)} to push; pushing again sends only what the environment does not hold yet.`);
      if (e instanceof Error) throw new CliError(e.message);
      throw e;
    }
    if (values.json) print(JSON.stringify({ kind: 'pushed', env, applied: applied.length, sent: report.sent, changeSets: report.batches, alreadyInEffect: report.alreadyInEffect + report.heldBefore, retried: report.retried, staged: 0 }));
    else print(`Pushed: ${report.sent} request(s) in ${report.batches} change set(s)${report.retried ? `, ${report.retried} sent again after a lost answer (${report.alreadyInEffect} already in effect, not sent twice)` : ''}; the vault now matches ${env} and has no staged changes`);
    if (report.meanwhile) print(`${report.meanwhile} change(s) were applied to the vault while the push was sending: they are not in ${env} yet; push again to send them`);
  } catch (e) {
    vaultFailure(e);
  } finally {
    vault.lock();
  }
}
