import { resolve } from 'node:path';
import { parse, required, rightOption } from '../args';
import { loadOrg, print } from '../io';
import { loadSourceAsync, SOURCE_OPTIONS, type OrgSource } from '../source';
import { CliError, usageError } from '../errors';
import { findings as review } from '../../core/findings/index';
import {
  auditReport,
  businessUnitReport,
  fieldSecurityReport,
  findingsReport,
  REPORT_KINDS,
  roleCompareReport,
  roleMatrixReport,
  userAccessReport,
  whoHasAccessReport,
  type AuditEntryLike,
  type Report,
  type ReportContext,
  type ReportKind,
} from '../../core/reports/index';
import { DEPTHS, isDepth } from '../../core/model/depth';
import { REPORT_FORMATS, writeReport, type ReportFormat } from '../../reports/run';
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
    const source = await loadSourceAsync(values, 'report');
    const state = source.state;
    const ctx: ReportContext = { generatedAt: new Date().toISOString(), source: describeSource(source) };
    const audit = kind === 'audit' ? (source.vault!.audit() as readonly AuditEntryLike[]) : [];
    source.vault?.lock();
    const roles = list(values.role);
    const users = list(values.user);
    for (const r of roles) if (!state.roles.has(r)) throw new CliError(`role ${r} does not exist in the organization`);
    for (const u of users) if (!state.systemusers.has(u)) throw new CliError(`user ${u} does not exist in the organization`);
    let r: Report;
    try {
      switch (kind as ReportKind) {
        case 'role-matrix':
          r = roleMatrixReport(state, ctx, roles);
          break;
        case 'user-access':
          r = userAccessReport(state, ctx, users);
          break;
        case 'who-has-access': {
          const min = values['min-depth'];
          if (min !== undefined && !isDepth(min)) throw usageError(`roleatlas report: --min-depth must be one of ${DEPTHS.join(', ')} (got "${min}")`);
          r = whoHasAccessReport(state, ctx, { entity: required(values, 'entity', 'report'), right: rightOption(values, 'report'), minDepth: min });
          break;
        }
        case 'role-compare': {
          if (values.against !== undefined) {
            if (roles.length !== 1) throw usageError('roleatlas report: role-compare with --against takes one --role');
            const old = loadOrg(values.against).roles.get(roles[0]);
            if (!old) throw new CliError(`role ${roles[0]} does not exist in ${values.against}`);
            r = roleCompareReport(state, ctx, { role: old, label: `file ${values.against}` }, { role: state.roles.get(roles[0])!, label: 'now' });
          } else {
            if (roles.length !== 2) throw usageError('roleatlas report: role-compare takes two --role, or one --role with --against FILE');
            r = roleCompareReport(state, ctx, { role: state.roles.get(roles[0])!, label: 'now' }, { role: state.roles.get(roles[1])!, label: 'now' });
          }
          break;
        }
        case 'bu-structure':
          r = businessUnitReport(state, ctx);
          break;
        case 'field-security':
          r = fieldSecurityReport(state, ctx);
          break;
        case 'findings':
          r = findingsReport(state, ctx, review(state, { sodRules: sodRulesFrom(values.sod) }));
          break;
        case 'audit':
          r = auditReport(state.organization.name, ctx, audit, { from: values.from, to: values.to });
          break;
      }
    } catch (e) {
      if (e instanceof RangeError) throw new CliError(e.message);
      throw e;
    }
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
