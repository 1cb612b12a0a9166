import { resolve } from 'node:path';
import { parse, required, rightOption } from '../args';
import { loadOrg, print } from '../io';
import { loadSource, SOURCE_OPTIONS, type OrgSource } from '../source';
import { CliError, usageError } from '../errors';
import { REPORT_KINDS, type AuditEntryLike, type ReportContext, type ReportKind } from '../../core/reports/index';
import type { SodRule } from '../../core/findings/index';
import { DEPTHS, isDepth } from '../../core/model/depth';
import { REPORT_FORMATS, writeReport, type ReportFormat } from '../../reports/run';
import { buildReport, type ReportRequest } from '../../reports/build';
import type { CliCommand } from '../command';
import { sodRulesFrom } from './findings';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

function describeSource(source: OrgSource): string {
  if (!source.vault) return `file ${resolve(source.label)}`;
  const entries = source.vault.audit();
  return `vault ${resolve(source.label)} at journal seq ${entries.length ? entries[entries.length - 1].seq : 0}`;
}

export const report: CliCommand = {
  name: 'report',
  summary: `write a report (${REPORT_KINDS.join(', ')}) as CSV, XLSX, PDF or HTML`,
  usage: [
    'roleatlas report (--org FILE | --vault PATH [--passphrase-env NAME]) --kind KIND --format csv|xlsx|pdf|html --out FILE [--role ID...] [--user ID...]',
    '  role-matrix     [--role ID...]            every role when none is given',
    '  user-access     [--user ID...]            every user (one streamed table) when none is given',
    '  who-has-access  --entity NAME --right RIGHT [--min-depth Basic|Local|Deep|Global]',
    '  role-compare    --role A --role B, or --role ID --against OLDFILE (the role in an earlier organization file)',
    '  bu-structure, field-security',
    '  findings        [--sod RULES.json]',
    '  audit           --vault PATH [--from ISO] [--to ISO]',
  ].join('\n'),
  async run(argv) {
    const { values } = parse(
      argv,
      {
        ...SOURCE_OPTIONS,
        kind: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        role: { type: 'string', multiple: true },
        user: { type: 'string', multiple: true },
        entity: { type: 'string' },
        right: { type: 'string' },
        'min-depth': { type: 'string' },
        against: { type: 'string' },
        sod: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        quiet: { type: 'boolean' },
      },
      'report',
    );
    const kind = required(values, 'kind', 'report');
    if (!(REPORT_KINDS as readonly string[]).includes(kind)) throw usageError(`roleatlas report: --kind must be one of ${REPORT_KINDS.join(', ')} (got "${kind}")`);
    const format = required(values, 'format', 'report');
    if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw usageError(`roleatlas report: --format must be one of ${REPORT_FORMATS.join(', ')} (got "${format}")`);
    const out = required(values, 'out', 'report');
    if ((kind as ReportKind) === 'audit' && values.vault === undefined) {
      throw usageError('roleatlas report: --kind audit needs --vault PATH: the audit log lives in the vault, and an organization file (--org) has none');
    }
    const source = await loadSource(values, 'report', 'read');
    const state = source.state;
    const context: ReportContext = { generatedAt: new Date().toISOString(), source: describeSource(source) };
    const audit = kind === 'audit' ? (source.vault!.audit() as readonly AuditEntryLike[]) : undefined;
    const stored = source.vault?.getSettings().separationOfDuty ?? [];
    source.vault?.lock();
    const built = buildReport({ state, context, audit }, requestOf(kind as ReportKind, values, list(values.role), list(values.user), stored));
    if (!built.ok) throw new CliError(built.error.message);
    const r = built.value;
    let shown = -1;
    const progress = values.quiet || !process.stderr.isTTY ? undefined : (p: { fraction: number }) => {
      const pct = Math.floor(p.fraction * 100);
      if (pct !== shown) process.stderr.write(`\r${pct}%`);
      shown = pct;
    };
    const controller = new AbortController();
    const onSigint = () => controller.abort(new CliError('cancelled; no file was written'));
    process.once('SIGINT', onSigint);
    try {
      const w = await writeReport(r, format as ReportFormat, out, { signal: controller.signal, onProgress: progress });
      if (progress) process.stderr.write('\r');
      if (!values.quiet) print(`${r.title}: ${w.rows} row(s), ${w.bytes} bytes written to ${w.path}`);
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`cannot write ${out}: ${(e as Error).message}`);
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};

/** The command line's options as a report request; wrong counts and depths are usage errors (exit 2). */
function requestOf(kind: ReportKind, values: Record<string, unknown>, roles: string[], users: string[], storedSod: readonly SodRule[]): ReportRequest {
  switch (kind) {
    case 'role-matrix':
      return { kind, roles };
    case 'user-access':
      return { kind, users };
    case 'who-has-access': {
      const min = values['min-depth'];
      if (min !== undefined && !isDepth(min)) throw usageError(`roleatlas report: --min-depth must be one of ${DEPTHS.join(', ')} (got "${String(min)}")`);
      return { kind, entity: required(values, 'entity', 'report'), right: rightOption(values, 'report'), minDepth: min };
    }
    case 'role-compare': {
      if (values.against !== undefined) {
        if (roles.length !== 1) throw usageError('roleatlas report: role-compare with --against takes one --role');
        const against = String(values.against);
        return { kind, left: roles[0], right: roles[0], leftFrom: { state: loadOrg(against), label: `file ${against}` } };
      }
      if (roles.length !== 2) throw usageError('roleatlas report: role-compare takes two --role, or one --role with --against FILE');
      return { kind, left: roles[0], right: roles[1] };
    }
    case 'findings':
      return { kind, review: { sodRules: [...storedSod, ...sodRulesFrom(values.sod)] } };
    case 'audit':
      return { kind, from: values.from as string | undefined, to: values.to as string | undefined };
    default:
      return { kind };
  }
}
