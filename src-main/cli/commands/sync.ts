import { networkReason } from '../../sync/networkReason';
import { parse, required, refuseTokenArgument } from '../args';
import { print } from '../io';
import { openVault } from '../source';
import { CliError, usageError } from '../errors';
import type { CliCommand } from '../command';
import type { Vault } from '../../vault/vault';
import { SyncClient, SyncError } from '../../sync/client';
import { LOCAL_ONLY_COMMANDS } from '../../core/sync/dataverse';
import { conflictSideText, type ConflictRecord } from '../../sync/store';
import { RemoteChangeRefused, VaultSyncStore, resolveInVault } from '../../sync/vaultSyncStore';
import { cleartextProblem, isCleartextRemote } from '../../sync/transport';

const VAULT_OPTIONS = { vault: { type: 'string' }, 'passphrase-env': { type: 'string' }, actor: { type: 'string' }, json: { type: 'boolean' } } as const;
const SYNC_OPTIONS = { ...VAULT_OPTIONS, server: { type: 'string' }, 'token-env': { type: 'string' }, 'allow-insecure-http': { type: 'boolean' }, publish: { type: 'boolean' } } as const;
const RESOLVE_OPTIONS = { ...VAULT_OPTIONS, object: { type: 'string' }, take: { type: 'string' }, field: { type: 'string', multiple: true } } as const;

const USAGE = [
  'roleatlas sync --vault PATH --server URL --token-env NAME [--publish] [--allow-insecure-http] [--passphrase-env NAME] [--json]',
  '       roleatlas sync status --vault PATH [--passphrase-env NAME] [--json]',
  '       roleatlas sync resolve --vault PATH --object ID --take mine|theirs [--field F]... [--passphrase-env NAME] [--json]',
  '',
  'sync pulls what changed on the server, pushes the changes made in the vault, and pulls again.',
  'The bearer token comes from the environment variable named by --token-env (get one from the',
  "server's POST /auth/token); the vault passphrase from --passphrase-env or a prompt. Neither is",
  'ever an argument. The server must be https://, or http:// on this computer (loopback);',
  '--allow-insecure-http sends the token over http:// to another computer, and sync status says so.',
  'A server that holds no organization yet takes this vault\'s organization on the first sync only with',
  '--publish (without it nothing is sent and the sync stops, saying so). A server that holds another',
  'organization is never overwritten: the sync stops and names both.',
  'When the server holds newer changes to an object this vault changed, nothing is pushed and the',
  'conflicts are listed per object and field with both sides (exit 1). resolve takes one side for',
  'an object (--object: the object id or the conflict id), or only for the fields named by',
  '--field; the next sync pushes the choice. The choice and what it changed are in the audit log.',
].join('\n');

export const sync: CliCommand = {
  name: 'sync',
  summary: 'sync the vault with a RoleAtlas sync server: sync, sync status, sync resolve',
  usage: USAGE,
  async run(argv) {
    refuseTokenArgument(argv, 'sync');
    const [sub, ...rest] = argv;
    if (sub === 'status') return status(rest);
    if (sub === 'resolve') return resolve(rest);
    return run(argv);
  },
};

// ---- sync -----------------------------------------------------------------------------------------

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, SYNC_OPTIONS, 'sync');
  if (positionals.length) throw usageError(`roleatlas sync: unexpected argument "${positionals[0]}"; subcommands are status and resolve. See roleatlas sync --help`);
  required(values, 'vault', 'sync');
  const server = serverUrl(required(values, 'server', 'sync'));
  const allowInsecureHttp = values['allow-insecure-http'] === true;
  const cleartext = cleartextProblem(server, allowInsecureHttp, 'pass --allow-insecure-http');
  if (cleartext) throw usageError(`roleatlas sync: ${cleartext}`);
  const tokenEnv = required(values, 'token-env', 'sync');
  const token = process.env[tokenEnv];
  if (!token) throw new CliError(`environment variable ${tokenEnv} (from --token-env) is not set`);

  const vault = await openVault(values, 'sync', 'write');
  let network: string | null = null;
  try {
    const store = new VaultSyncStore(vault, { server });
    const client = new SyncClient({
      server,
      token,
      store,
      allowInsecureHttp,
      publish: values.publish === true,
      fetch: async (input, init) => {
        try {
          return await fetch(input, init);
        } catch (e) {
          network = networkReason(e);
          throw new Error(network, { cause: e });
        }
      },
    });
    let report: Awaited<ReturnType<SyncClient['sync']>>;
    try {
      report = await client.sync();
    } catch (e) {
      throw new CliError(failure(e, server, tokenEnv, network));
    }
    const open = store.conflicts().filter((c) => !c.choices);
    const out = {
      server,
      ...(isCleartextRemote(server) ? { insecure: true } : {}),
      ...(report.publish ? { published: report.publish } : {}),
      pushed: report.push.pushed,
      duplicates: report.push.duplicates,
      localOnly: report.push.localOnly,
      pulled: { full: report.pull.full, rows: report.pull.rows, deleted: report.pull.deleted, version: report.pull.version },
      applied: store.appliedFromServer,
      pending: vault.pendingChanges().length,
      conflicts: open.map(conflictJson),
    };
    if (values.json) print(JSON.stringify(out, null, 2));
    else {
      if (report.publish) {
        const p = report.publish;
        print(
          `Published the organization "${p.organization}" to ${server} (server version ${p.version})${p.duplicate ? ', done by an earlier attempt whose reply was lost' : ''}, including ${p.changes} change(s) of this vault` +
            (p.unplaced.length ? `; server accounts left without a user, as the organization has no such role: ${p.unplaced.map((u) => `${u.name} (${u.role ?? 'no role'})`).join(', ')}` : ''),
        );
      }
      print(
        `Synced ${String(values.vault)} with ${server}${out.insecure ? ' over UNENCRYPTED http://' : ''}: pushed ${out.pushed} change(s)` +
          (out.duplicates ? ` (${out.duplicates} the server already had from an earlier attempt)` : '') +
          (out.localOnly ? `, ${out.localOnly} record/share change(s) kept in the vault` : '') +
          `; pulled ${out.pulled.full ? 'the whole organization, ' : ''}${out.pulled.rows} row(s)${out.pulled.deleted ? ` and ${out.pulled.deleted} deletion(s)` : ''}, ${out.applied} change(s) applied; server version ${out.pulled.version}`,
      );
      if (open.length) printConflicts(open, String(values.vault));
    }
    if (open.length) throw new CliError(`${open.length} conflict(s) need resolving before this vault's changes can be pushed: roleatlas sync resolve --vault ${String(values.vault)} --object ID --take mine|theirs, then sync again`);
  } finally {
    vault.close();
  }
}

function serverUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`roleatlas sync: --server must be a URL such as https://roleatlas.example.com (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`roleatlas sync: --server must be an http:// or https:// URL (got "${raw}")`);
  if (url.username || url.password) throw usageError('roleatlas sync: --server must not hold a user name or password; the token comes from --token-env');
  if (url.search || url.hash) throw usageError(`roleatlas sync: --server must be the server's base URL, without ?query or #fragment (got "${raw}")`);
  return url.href.replace(/\/+$/, '');
}


/** One line for each way a sync fails. */
function failure(e: unknown, server: string, tokenEnv: string, network: string | null): string {
  if (e instanceof RemoteChangeRefused) return e.message;
  if (e instanceof SyncError && e.code === 'server-empty') return `${e.message}: run roleatlas sync again with --publish. Nothing was sent`;
  if (e instanceof SyncError && e.code) return e.message;
  if (e instanceof SyncError) {
    if (e.status === null) return network ? `cannot reach the sync server at ${server}: ${network}` : e.message;
    if (e.status === 401) return `the sync server at ${server} refused the token from ${tokenEnv} (401): ${e.message}`;
    if (e.status === 403) return `the sync server at ${server} refused the change (403): ${e.message}. Nothing was pushed`;
    if (e.status === 404) return `${server} answered 404 Not Found: is it a RoleAtlas sync server?`;
    if (e.status === 400) return `the sync server refused this vault's changes (400): ${e.message}. Nothing was pushed`;
    return `sync with ${server} failed (${e.status}): ${e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}

// ---- conflicts ------------------------------------------------------------------------------------

const objectName = (c: ConflictRecord): string => {
  const row = (c.theirs ?? c.mine ?? {}) as Record<string, unknown>;
  const name = row.name ?? row.fullname ?? row.displayname;
  return typeof name === 'string' ? ` "${name}"` : '';
};


const conflictJson = (c: ConflictRecord) => ({
  id: c.id,
  object: c.key,
  entityset: c.entityset,
  table: c.table,
  changedby: c.changedby,
  version: c.version,
  fields: c.fields.map((f) => ({ field: f.field, mine: f.mine, theirs: f.theirs })),
  ...(c.choices ? { choices: c.choices, resolvedat: c.resolvedat } : {}),
});

function printConflicts(open: readonly ConflictRecord[], vaultPath: string): void {
  print(`${open.length} conflict(s): the server changed these objects since this vault last pulled, and this vault changed them too:`);
  for (const c of open) {
    print(`  ${c.entityset}(${c.key})${objectName(c)}, changed by ${c.changedby ?? 'another client'} (server version ${c.version}):`);
    for (const f of c.fields) print(`    ${f.field}: mine ${conflictSideText(f.field, f.mine, 200)}, theirs ${conflictSideText(f.field, f.theirs, 200)}`);
  }
  print(`Resolve each: roleatlas sync resolve --vault ${vaultPath} --object ID --take mine|theirs [--field F]`);
}

// ---- sync status ----------------------------------------------------------------------------------

async function status(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, VAULT_OPTIONS, 'sync status');
  if (positionals.length) throw usageError(`roleatlas sync status: unexpected argument "${positionals[0]}"`);
  required(values, 'vault', 'sync status');
  const vault = await openVault(values, 'sync status', 'write');
  try {
    const s = vault.getSyncState();
    const pending = vault.pendingChanges();
    const localOnly = pending.filter((p) => LOCAL_ONLY_COMMANDS.has(p.command.type)).length;
    const conflicts = s.conflicts as unknown as ConflictRecord[];
    const insecure = s.server !== null && isCleartextRemote(s.server);
    const out = {
      clientid: s.clientid,
      server: s.server,
      insecure,
      version: s.deltatoken,
      lastsyncat: s.lastsyncat,
      state: s.status.state,
      ...(s.status.message ? { message: s.status.message } : {}),
      pending: pending.length - localOnly,
      localOnly,
      conflicts: conflicts.map(conflictJson),
    };
    if (values.json) return print(JSON.stringify(out, null, 2));
    print(
      s.server
        ? `${String(values.vault)} syncs with ${s.server}${insecure ? ' over UNENCRYPTED http:// (allowed by --allow-insecure-http)' : ''} as ${s.clientid}; last sync ${s.lastsyncat ?? 'never finished'} ended ${s.status.state}${s.status.message ? ` (${s.status.message})` : ''}; server version ${s.deltatoken ?? 'none'}`
        : `${String(values.vault)} has never been synced`,
    );
    print(`${out.pending} change(s) to push${localOnly ? `, ${localOnly} record/share change(s) that stay in the vault` : ''}`);
    const open = conflicts.filter((c) => !c.choices);
    const decided = conflicts.filter((c) => c.choices);
    if (open.length) printConflicts(open, String(values.vault));
    for (const c of decided) print(`  resolved, to push: ${c.entityset}(${c.key})${objectName(c)}: ${Object.entries(c.choices!).map(([f, ch]) => `${f}=${ch}`).join(', ')}`);
  } finally {
    vault.close();
  }
}

// ---- sync resolve ---------------------------------------------------------------------------------

async function resolve(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, RESOLVE_OPTIONS, 'sync resolve');
  if (positionals.length) throw usageError(`roleatlas sync resolve: unexpected argument "${positionals[0]}"`);
  required(values, 'vault', 'sync resolve');
  const object = required(values, 'object', 'sync resolve');
  const take = required(values, 'take', 'sync resolve');
  if (take !== 'mine' && take !== 'theirs') throw usageError(`roleatlas sync resolve: --take must be mine or theirs (got "${take}")`);
  const fields = values.field;
  const vault = await openVault(values, 'sync resolve', 'write');
  try {
    const c = findConflict(vault, object);
    let result: ReturnType<typeof resolveInVault>;
    try {
      result = resolveInVault(vault, c.id, take, fields, new Date());
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    if (values.json) print(JSON.stringify({ conflict: conflictJson(result.conflict), commands: result.commands }, null, 2));
    else {
      print(`Resolved ${c.entityset}(${c.key})${objectName(c)}: ${Object.entries(result.conflict.choices!).map(([f, ch]) => `${f}=${ch}`).join(', ')}`);
      const left = openCount(vault);
      print(
        `${result.commands.length ? `Applied ${result.commands.length} change(s) to the vault to take the server's side` : "The vault keeps this vault's side"}; the next roleatlas sync pushes the resolution` +
          (left ? ` (${left} conflict(s) still to resolve first)` : ''),
      );
    }
  } finally {
    vault.close();
  }
}

const openCount = (vault: Vault) => vault.getSyncState().conflicts.filter((c) => !c.choices).length;

/** --object: the conflict id, the object's id, or entityset(id). */
function findConflict(vault: Vault, object: string): ConflictRecord {
  const all = vault.getSyncState().conflicts as unknown as ConflictRecord[];
  if (!all.length) throw new CliError(`${vault.dir} has no open conflicts`);
  const hits = all.filter((c) => c.id === object || c.key === object || `${c.entityset}(${c.key})` === object);
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) throw new CliError(`--object ${object} matches ${hits.length} conflicts; give the conflict id: ${hits.map((c) => c.id).join(', ')}`);
  throw new CliError(`no open conflict on ${object}; the open conflicts are on ${all.map((c) => `${c.entityset}(${c.key})`).join(', ')}`);
}
