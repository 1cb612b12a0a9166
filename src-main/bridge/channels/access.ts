import { z } from 'zod';
import { DEPTHS } from '../../core/model/depth';

/** One way a user holds a right, as the engine's explain() gives it (access:explain, checkAccess:check). */
export const accessPathSchema = z.object({
  roleid: z.string(),
  rolename: z.string(),
  depth: z.enum(DEPTHS),
  via: z.enum(['direct', 'team']),
  teamid: z.string().optional(),
  teamname: z.string().optional(),
  inheritedfromteam: z.boolean().optional(),
  scopebusinessunitid: z.string(),
  scopebusinessunitname: z.string(),
  reach: z.enum(['organization', 'businessunit-and-below', 'businessunit', 'owner', 'team-owner', 'share', 'hierarchy']),
  sharedwith: z.string().optional(),
  accessrightsmask: z.number().optional(),
  reportid: z.string().optional(),
  managerlevel: z.number().optional(),
});
export type AccessPathDto = z.infer<typeof accessPathSchema>;

/** explain(): whether a right is held, at which depth, by which paths, or why not. */
export const explanationSchema = z.object({
  allowed: z.boolean(),
  depth: z.enum(DEPTHS).nullable(),
  privilege: z.string().nullable(),
  paths: z.array(accessPathSchema).readonly(),
  reasons: z.array(z.string()).readonly(),
});
