import type { ParsedRequestOf } from '../bridge/contract';
import { catalogFor } from '../core/catalog/catalog';
import { buildReport, defaultReportName, type ReportRequest } from '../reports/build';
import type { ReportFormat } from '../reports/run';
import { openVaultOf } from '../session/audit';
import { sodRulesOf } from '../session/findings';
import { ReportJobs, type ReportJobsOptions } from '../session/reportJobs';
import type { Services } from './services';
import { failure, value, type AreaHandlers } from './dispatch';

const FILTERS: Record<ReportFormat, { name: string; extensions: string[] }> = {
  csv: { name: 'CSV (comma-separated values)', extensions: ['csv'] },
  xlsx: { name: 'Excel workbook', extensions: ['xlsx'] },
  pdf: { name: 'PDF document', extensions: ['pdf'] },
  html: { name: 'Web page', extensions: ['html'] },
};

const unknownJob = (jobid: string) => failure({ code: 'not-found', message: `no report job ${jobid}`, path: 'jobid' });

export function reportHandlers(services: Services, jobOptions: ReportJobsOptions = {}): AreaHandlers<'reports'> {
  const jobs = new ReportJobs(jobOptions);
  const written = (jobid: string) => {
    const job = jobs.get(jobid);
    if (!job) return unknownJob(jobid);
    if (job.state !== 'done') return failure({ code: 'not-written', message: `the report is ${job.state}, not written`, path: 'jobid' });
    return null;
  };
  return {
    'reports:start': async ({ report: asked, format }) => {
      const state = services.session.current;
      const vault = openVaultOf(services.workspace);
      const request = requestOf(asked, services);
      const built = buildReport(
        {
          state,
          context: { generatedAt: new Date().toISOString(), source: vault ? `vault ${services.workspace.status().path}` : 'an organization held in memory' },
          audit: vault && asked.kind === 'audit' ? vault.audit() : undefined,
        },
        request,
      );
      if (!built.ok) return failure(built.error);
      const report = built.value;
      const path = await services.desktop.chooseSaveFile({ title: `Save ${report.title}`, defaultName: defaultReportName(report, format), filters: [FILTERS[format]] });
      if (path === null) return value({ job: null });
      return value({ job: jobs.start(report, format, path) });
    },
    'reports:progress': ({ jobid }) => {
      const job = jobs.get(jobid);
      return job ? value(job) : unknownJob(jobid);
    },
    'reports:cancel': async ({ jobid }) => {
      const job = await jobs.cancel(jobid);
      return job ? value(job) : unknownJob(jobid);
    },
    'reports:open': async ({ jobid }) => {
      const refused = written(jobid);
      if (refused) return refused;
      await services.desktop.openFile(jobs.get(jobid)!.path);
      return value({});
    },
    'reports:reveal': ({ jobid }) => {
      const refused = written(jobid);
      if (refused) return refused;
      services.desktop.revealFile(jobs.get(jobid)!.path);
      return value({});
    },
    'reports:catalog': () => {
      const catalog = catalogFor(services.session.current);
      return value({
        entities: [...catalog.entities.values()].map((e) => ({ logicalname: e.logicalname, displayname: e.displayname, rights: [...e.rights] })).sort((a, b) => a.displayname.localeCompare(b.displayname)),
        privileges: catalog.privileges.map((p) => ({ name: p.name, displayname: p.displayname, group: p.group })),
      });
    },
  };
}

/** The window's request as the shared builder's; findings use the rules stored with the organization. */
function requestOf(r: ParsedRequestOf<'reports:start'>['report'], services: Services): ReportRequest {
  switch (r.kind) {
    case 'findings':
      return { kind: 'findings', review: { sodRules: sodRulesOf(services.workspace).list() } };
    case 'audit':
      return { kind: 'audit', from: r.from, to: r.to };
    default:
      return r;
  }
}
