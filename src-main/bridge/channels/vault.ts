import { z } from 'zod';
import { channel } from '../channel';

/** Passphrases cross the bridge only into main, which never sends them back. */
const passphrase = z.string().min(8, 'must be at least 8 characters').max(1024);

export const vaultStatusSchema = z.object({
  phase: z.enum(['firstRun', 'locked', 'open']),
  path: z.string(),
  organization: z.string().nullable(),
  deviceUnlock: z.object({ available: z.boolean(), enabled: z.boolean(), detail: z.string() }),
  autoLockMinutes: z.number().int().nullable(),
  pendingChanges: z.number().int().nullable(),
});
export type VaultStatusDto = z.infer<typeof vaultStatusSchema>;

/** What restore-backup did: where the state came from, what was moved aside, and which acknowledged edits are gone. */
const restoreReportSchema = z.object({
  from: z.enum(['snapshot.rav', 'snapshot.rav.bak']),
  damaged: z.string().nullable(),
  movedAside: z.array(z.string()).readonly(),
  restoredFrame: z.number().int(),
  /** Journal positions and audit entries (inclusive) the surviving files cannot bring back; null when nothing was lost. */
  lost: z.object({ frames: z.tuple([z.number().int(), z.number().int()]).readonly(), auditEntries: z.tuple([z.number().int(), z.number().int()]).readonly().nullable() }).nullable(),
  headUnknown: z.boolean(),
  headerRestored: z.boolean(),
});
export type RestoreReportDto = z.infer<typeof restoreReportSchema>;

const start = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('empty'), name: z.string().trim().min(1, 'must not be empty').max(160) }).strict(),
  z.object({ kind: z.literal('demo') }).strict(),
  // The text of an interchange file the admin picked; main parses and checks it.
  z.object({ kind: z.literal('file'), filename: z.string().max(400), contents: z.string().max(512 * 1024 * 1024) }).strict(),
]);

export const vaultChannels = {
  'vault:status': channel(z.object({}).strict(), vaultStatusSchema),
  'vault:create': channel(z.object({ passphrase, start }).strict(), vaultStatusSchema),
  'vault:unlock': channel(z.union([z.object({ passphrase: z.string().min(1, 'must not be empty').max(1024) }).strict(), z.object({ device: z.literal(true) }).strict()]), vaultStatusSchema),
  'vault:lock': channel(z.object({}).strict(), vaultStatusSchema),
  'vault:setAutoLock': channel(z.object({ minutes: z.number().int().min(0).max(24 * 60) }).strict(), vaultStatusSchema),
  'vault:changePassphrase': channel(z.object({ current: z.string().min(1).max(1024), next: passphrase }).strict(), vaultStatusSchema),
  'vault:setDeviceUnlock': channel(z.object({ enabled: z.boolean() }).strict(), vaultStatusSchema),
  'vault:restoreBackup': channel(z.object({ passphrase: z.string().min(1).max(1024) }).strict(), vaultStatusSchema.extend({ restored: restoreReportSchema })),
} as const;
