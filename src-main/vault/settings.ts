import { z } from 'zod';
import { commandListSchema } from '../core/commands/schema';
import { sodRulesSchema } from '../core/findings/sod';

/** Small settings kept in the vault for the other capabilities; unknown keys are refused. */
export const settingsSchema = z
  .object({
    /** 0 turns auto-lock off. */
    autoLockMinutes: z.number().int().min(0).max(24 * 60).default(15),
    /** Pairs of roles or privileges no user may hold together (checked by the findings). */
    separationOfDuty: sodRulesSchema.default([]),
    /** Local admin profile name written in the audit log. */
    actor: z.string().min(1).max(200).optional(),
    /** The Dataverse environment the app pulls from and pushes to, and the Entra application (client) id and authority to sign in with. */
    dataverse: z
      .object({ env: z.string().url().nullable(), clientid: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/).nullable(), authority: z.string().url().nullable().default(null) })
      .strict()
      .optional(),
  })
  .strict();
export type VaultSettings = z.infer<typeof settingsSchema>;
export const DEFAULT_SETTINGS: VaultSettings = settingsSchema.parse({});

/** The staged change set: commands reviewed before they are applied. */
export const stagedSchema = commandListSchema;
