import { basename } from 'node:path';
import { parse, required } from '../args';
import { loadOrg, print, readJson, writeOrg } from '../io';
import { actorOf, openVault, vaultFailure, vaultPassphrase } from '../source';
import { CliError, usageError } from '../errors';
import { Vault } from '../../vault/vault';
import { readPassphrase } from '../../vault/passphrase';
import type { CliCommand } from '../command';

const OPTIONS = { vault: { type: 'string' }, 'passphrase-env': { type: 'string' }, actor: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } } as const;

const REWRAP_ADVICE = (path: string) => `This vault's key is wrapped with a scrypt cost below today's minimum (N=2^17, r=8, p=1): roleatlas vault rewrap --vault ${path} raises it`;

const SUBCOMMANDS: Record<string, { usage: string; run(values: Record<string, unknown>, positionals: string[]): Promise<void> }> = {
  init: {
    usage: 'roleatlas vault init --vault PATH [--passphrase-env NAME]',
    async run(values) {
      const path = required(values, 'vault', 'vault init');
      const passphrase = await readPassphrase({ envName: values['passphrase-env'] as string | undefined, prompt: `New passphrase for ${path}: `, confirm: true });
      const vault = await Vault.create(path, passphrase, { actor: actorOf(values) });
      vault.lock();
      print(`Created an empty vault in ${path}; fill it with roleatlas vault import --vault ${path} ORG.json`);
    },
  },
  import: {
    usage: 'roleatlas vault import --vault PATH [--passphrase-env NAME] ORG.json',
    async run(values, positionals) {
      if (positionals.length !== 1) throw usageError('roleatlas vault import: give exactly one organization file. See roleatlas vault --help');
      const state = loadOrg(positionals[0]);
      const vault = await openVault(values, 'vault import', 'write');
      try {
        print(vault.replaceState(state, basename(positionals[0])).summary);
      } finally {
        vault.lock();
      }
    },
  },
  export: {
    usage: 'roleatlas vault export --vault PATH [--passphrase-env NAME] --out ORG.json',
    async run(values) {
      const out = required(values, 'out', 'vault export');
      const vault = await openVault(values, 'vault export', 'read');
      const state = vault.state;
      vault.lock();
      writeOrg(out, state);
      print(`Wrote ${out}: ${state.systemusers.size} user(s), ${state.roles.size} role(s), ${state.records.size} record(s)`);
    },
  },
  'unlock-check': {
    usage: 'roleatlas vault unlock-check --vault PATH [--passphrase-env NAME] [--json]',
    async run(values) {
      const vault = await openVault(values, 'vault unlock-check', 'read');
      const s = vault.state;
      const report = { unlocked: true, businessunits: s.businessunits.size, systemusers: s.systemusers.size, roles: s.roles.size, records: s.records.size, pending: vault.pendingChanges().length, canundo: vault.canUndo(), rewrap: vault.needsRewrap };
      vault.lock();
      print(values.json ? JSON.stringify(report) : `Unlocked ${String(values.vault)}: ${report.businessunits} business unit(s), ${report.systemusers} user(s), ${report.roles} role(s), ${report.records} record(s); ${report.pending} change(s) pending sync`);
      if (report.rewrap) process.stderr.write(`${REWRAP_ADVICE(String(values.vault))}\n`);
    },
  },
  verify: {
    usage: 'roleatlas vault verify --vault PATH [--passphrase-env NAME] [--json]',
    async run(values) {
      const vault = await openVault(values, 'vault verify', 'read');
      const report = vault.verify();
      vault.lock();
      if (values.json) print(JSON.stringify(report, null, 2));
      else {
        print(report.ok ? `Audit log intact: ${report.entries} entries, hash chain verified` : `Audit log damaged: ${report.problems.length} problem(s) in ${report.entries} entries`);
        for (const p of report.problems) print(`  entry ${p.position}: ${p.kind}: ${p.message}`);
        for (const f of report.files) print(`  file ${f.file}: ${f.message}`);
      }
      if (!report.ok) throw new CliError(report.files.length ? `the vault failed verification (${report.files.map((f) => basename(f.file)).join(', ')}); roleatlas vault restore-backup recovers the newest state the intact files prove` : 'the audit log failed verification');
    },
  },
  'set-sod': {
    usage: 'roleatlas vault set-sod --vault PATH [--passphrase-env NAME] RULES.json',
    async run(values, positionals) {
      if (positionals.length !== 1) throw usageError('roleatlas vault set-sod: give exactly one rules file (a JSON array of separation-of-duty rules)');
      const rules = readJson(positionals[0], 'separation-of-duty rules');
      const vault = await openVault(values, 'vault set-sod', 'write');
      try {
        const r = vault.setSettings({ separationOfDuty: rules });
        if (!r.ok) throw new CliError(`separation-of-duty rules ${positionals[0]}: ${r.error.message}`);
        print(`Stored ${r.value.separationOfDuty.length} separation-of-duty rule(s); roleatlas findings --vault ${String(values.vault)} checks them`);
      } finally {
        vault.lock();
      }
    },
  },
  rewrap: {
    usage: 'roleatlas vault rewrap --vault PATH [--passphrase-env NAME]',
    async run(values) {
      const { path, passphrase } = await vaultPassphrase(values, 'vault rewrap');
      const vault = await openVault(values, 'vault rewrap', 'write', passphrase);
      try {
        const before = vault.header.kdf;
        const after = await vault.rewrap(passphrase);
        print(after ? `Re-wrapped the key of ${path}: scrypt N=${before.N}, r=${before.r}, p=${before.p} -> N=${after.N}, r=${after.r}, p=${after.p}` : `The key of ${path} is already wrapped at or above the minimum cost (scrypt N=${before.N}, r=${before.r}, p=${before.p})`);
      } finally {
        vault.lock();
      }
    },
  },
  'restore-backup': {
    usage: 'roleatlas vault restore-backup --vault PATH [--passphrase-env NAME]',
    async run(values) {
      const { path, passphrase } = await vaultPassphrase(values, 'vault restore-backup');
      const r = await Vault.restoreBackup(path, passphrase, { actor: actorOf(values), program: 'roleatlas vault restore-backup (command line)' });
      // Prove the restored vault opens, journal replayed, before saying so.
      (await openVault(values, 'vault restore-backup', 'write', passphrase)).lock();
      print(`Restored from ${r.from}${r.damaged ? `; the damaged snapshot is kept as ${basename(r.damaged)}` : ''}; the journal was replayed up to frame ${r.restoredFrame}`);
      if (r.headerRestored) print('vault.json was damaged and was put back from its copy');
      for (const f of r.movedAside) print(`  kept aside: ${basename(f)}`);
      if (r.lost) print(`Could not recover acknowledged edits: journal frames ${r.lost.frames[0]}–${r.lost.frames[1]}${r.lost.auditEntries ? `, audit entries ${r.lost.auditEntries[0]}–${r.lost.auditEntries[1]}` : ''}`);
      else if (r.headUnknown) print(`journal.head was damaged: edits after frame ${r.restoredFrame}, if any, can be neither proven nor ruled out`);
      else print('Every acknowledged edit was recovered');
      if (values.json) print(JSON.stringify(r));
    },
  },
};

export const vault: CliCommand = {
  name: 'vault',
  summary: 'the encrypted local vault: init, import, export, unlock-check, verify, set-sod, rewrap, restore-backup',
  usage: Object.values(SUBCOMMANDS).map((s) => s.usage).join('\n       ') + '\n\nThe passphrase comes from the environment variable named by --passphrase-env, or from a prompt.',
  async run(argv) {
    const [sub, ...rest] = argv;
    const spec = sub ? SUBCOMMANDS[sub] : undefined;
    if (!spec) throw usageError(`roleatlas vault: ${sub ? `unknown subcommand "${sub}"` : 'a subcommand is required'}. Subcommands: ${Object.keys(SUBCOMMANDS).join(', ')}`);
    const { values, positionals } = parse(rest, OPTIONS, `vault ${sub}`);
    if (sub !== 'import' && sub !== 'set-sod' && positionals.length) throw usageError(`roleatlas vault ${sub}: unexpected argument "${positionals[0]}" (the passphrase is never an argument; use --passphrase-env)`);
    required(values, 'vault', `vault ${sub}`);
    try {
      await spec.run(values, positionals);
    } catch (e) {
      vaultFailure(e);
    }
  },
};
