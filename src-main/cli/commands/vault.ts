import { basename } from 'node:path';
import { parse, required } from '../args';
import { loadOrg, print, readJson, writeOrg } from '../io';
import { actorOf, openVault, vaultFailure } from '../source';
import { CliError, usageError } from '../errors';
import { Vault } from '../../vault/vault';
import { readPassphrase } from '../../vault/passphrase';
import type { CliCommand } from '../command';

const OPTIONS = { vault: { type: 'string' }, 'passphrase-env': { type: 'string' }, actor: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } } as const;

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
      const vault = await openVault(values, 'vault import');
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
      const vault = await openVault(values, 'vault export');
      const state = vault.state;
      vault.lock();
      writeOrg(out, state);
      print(`Wrote ${out}: ${state.systemusers.size} user(s), ${state.roles.size} role(s), ${state.records.size} record(s)`);
    },
  },
  'unlock-check': {
    usage: 'roleatlas vault unlock-check --vault PATH [--passphrase-env NAME] [--json]',
    async run(values) {
      const vault = await openVault(values, 'vault unlock-check');
      const s = vault.state;
      const report = { unlocked: true, businessunits: s.businessunits.size, systemusers: s.systemusers.size, roles: s.roles.size, records: s.records.size, pending: vault.pendingChanges().length, canundo: vault.canUndo() };
      vault.lock();
      print(values.json ? JSON.stringify(report) : `Unlocked ${values.vault}: ${report.businessunits} business unit(s), ${report.systemusers} user(s), ${report.roles} role(s), ${report.records} record(s); ${report.pending} change(s) pending sync`);
    },
  },
  verify: {
    usage: 'roleatlas vault verify --vault PATH [--passphrase-env NAME] [--json]',
    async run(values) {
      const vault = await openVault(values, 'vault verify');
      const report = vault.verify();
      vault.lock();
      if (values.json) print(JSON.stringify(report, null, 2));
      else {
        print(report.ok ? `Audit log intact: ${report.entries} entries, hash chain verified` : `Audit log damaged: ${report.problems.length} problem(s) in ${report.entries} entries`);
        for (const p of report.problems) print(`  entry ${p.position}: ${p.kind}: ${p.message}`);
      }
      if (!report.ok) throw new CliError('the audit log failed verification');
    },
  },
  'set-sod': {
    usage: 'roleatlas vault set-sod --vault PATH [--passphrase-env NAME] RULES.json',
    async run(values, positionals) {
      if (positionals.length !== 1) throw usageError('roleatlas vault set-sod: give exactly one rules file (a JSON array of separation-of-duty rules)');
      const rules = readJson(positionals[0], 'separation-of-duty rules');
      const vault = await openVault(values, 'vault set-sod');
      try {
        const r = vault.setSettings({ separationOfDuty: rules });
        if (!r.ok) throw new CliError(`separation-of-duty rules ${positionals[0]}: ${r.error.message}`);
        print(`Stored ${r.value.separationOfDuty.length} separation-of-duty rule(s); roleatlas findings --vault ${String(values.vault)} checks them`);
      } finally {
        vault.lock();
      }
    },
  },
  'restore-backup': {
    usage: 'roleatlas vault restore-backup --vault PATH [--passphrase-env NAME]',
    async run(values) {
      const path = required(values, 'vault', 'vault restore-backup');
      const passphrase = await readPassphrase({ envName: values['passphrase-env'] as string | undefined, prompt: `Passphrase for ${path}: ` });
      const r = await Vault.restoreBackup(path, passphrase, { actor: actorOf(values) });
      // Prove the restored vault opens, journal replayed, before saying so.
      (await Vault.open(path, { passphrase }, { actor: actorOf(values) })).lock();
      print(`Restored the last good snapshot${r.damaged ? `; the damaged one is kept as ${basename(r.damaged)}` : ''}; changes journaled since were replayed`);
    },
  },
};

export const vault: CliCommand = {
  name: 'vault',
  summary: 'the encrypted local vault: init, import, export, unlock-check, verify, set-sod, restore-backup',
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
