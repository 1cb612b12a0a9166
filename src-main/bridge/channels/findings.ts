import { z } from 'zod';
import { sodRuleSchema } from '../../core/findings/index';
import { channel } from '../channel';

const severity = z.enum(['high', 'medium', 'low', 'info']);

export const findingSchema = z.object({
  id: z.string(),
  rule: z.string(),
  severity,
  title: z.string(),
  explanation: z.string(),
  objects: z.array(z.object({ table: z.enum(['systemuser', 'team', 'role', 'businessunit', 'privilege', 'fieldsecurityprofile']), id: z.string(), name: z.string() })).readonly(),
  fix: z.string(),
});
export type FindingDto = z.infer<typeof findingSchema>;

/** A separation-of-duty rule as the vault stores it (the core's schema, defaults applied). */
export const storedSodRuleSchema = sodRuleSchema;
export type SodRuleDto = z.output<typeof sodRuleSchema>;
/** A new rule: main gives it its id. */
export const newSodRuleSchema = sodRuleSchema.omit({ id: true });
export type NewSodRuleDto = z.input<typeof newSodRuleSchema>;

const rules = z.object({ rules: z.array(storedSodRuleSchema).readonly() });

export const findingsChannels = {
  /** The security review of the open organization with the stored separation-of-duty rules. */
  'findings:review': channel(
    z.object({}).strict(),
    z.object({
      counts: z.object({ high: z.number().int(), medium: z.number().int(), low: z.number().int(), info: z.number().int() }),
      /** Findings in all; `findings` is cut at 5,000, most severe first. */
      total: z.number().int(),
      findings: z.array(findingSchema).readonly(),
      rules: z.array(storedSodRuleSchema).readonly(),
    }),
  ),
  'findings:rules': channel(z.object({}).strict(), rules),
  /** Adds a rule (kept in the vault's settings, or in memory without a vault). */
  'findings:addRule': channel(z.object({ rule: newSodRuleSchema }).strict(), rules),
  'findings:removeRule': channel(z.object({ id: z.string().min(1).max(200) }).strict(), rules),
} as const;
