import { z } from 'zod';
import { RIGHTS } from '../../core/model/accessRights';
import { DEPTHS } from '../../core/model/depth';
import { channel } from '../channel';

const id = z.string().trim().min(1, 'must not be empty').max(200);
const ids = z.array(id).max(500);
/** ISO 8601 bound of the audit period. */
const instant = z.iso.datetime({ offset: true });

/** What to report on, per kind; the same questions as `roleatlas report`. */
export const reportRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('role-matrix'), roles: ids.default([]) }).strict(),
  z.object({ kind: z.literal('user-access'), users: ids.default([]) }).strict(),
  z.object({ kind: z.literal('who-has-access'), entity: z.string().trim().min(1, 'must not be empty').max(200), right: z.enum(RIGHTS), minDepth: z.enum(DEPTHS).default('Basic') }).strict(),
  z.object({ kind: z.literal('role-compare'), left: id, right: id }).strict(),
  z.object({ kind: z.literal('bu-structure') }).strict(),
  z.object({ kind: z.literal('field-security') }).strict(),
  z.object({ kind: z.literal('findings') }).strict(),
  z.object({ kind: z.literal('audit'), from: instant.optional(), to: instant.optional() }).strict(),
]);
export type ReportRequestDto = z.input<typeof reportRequestSchema>;
export type ReportKindDto = ReportRequestDto['kind'];

export const REPORT_FORMAT_NAMES = ['csv', 'xlsx', 'pdf', 'html'] as const;
export type ReportFormatDto = (typeof REPORT_FORMAT_NAMES)[number];

export const reportJobSchema = z.object({
  jobid: z.string(),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  /** 0..1. */
  fraction: z.number(),
  /** Rows written so far, and expected (an estimate for some reports). */
  rows: z.number().int(),
  total: z.number().int(),
  /** The file being written; it exists only once the state is done. */
  path: z.string(),
  title: z.string(),
  bytes: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type ReportJobDto = z.infer<typeof reportJobSchema>;

const job = z.object({ jobid: id }).strict();

export const reportChannels = {
  /**
   * Builds the report, asks where to save it (Desktop.chooseSaveFile) and starts writing it.
   * `job` is null when the admin closed the dialog; otherwise poll reports:progress.
   */
  'reports:start': channel(z.object({ report: reportRequestSchema, format: z.enum(REPORT_FORMAT_NAMES) }).strict(), z.object({ job: reportJobSchema.nullable() })),
  'reports:progress': channel(job, reportJobSchema),
  /** Stops a running report; nothing is left on disk. A finished job is answered as it is. */
  'reports:cancel': channel(job, reportJobSchema),
  /** Opens a written report with the system's application for it. */
  'reports:open': channel(job, z.object({})),
  /** Shows a written report in the file manager. */
  'reports:reveal': channel(job, z.object({})),
  /** Tables with their rights, and every privilege: what the report and rule options offer. */
  'reports:catalog': channel(
    z.object({}).strict(),
    z.object({
      entities: z.array(z.object({ logicalname: z.string(), displayname: z.string(), rights: z.array(z.enum(RIGHTS)) })),
      privileges: z.array(z.object({ name: z.string(), displayname: z.string(), group: z.string() })),
    }),
  ),
} as const;
