import { z } from 'zod';
import { environmentUrlProblem } from '../../dataverse/environmentUrl';
import { channel } from '../channel';

/**
 * Signing in to a Dataverse environment through Microsoft Entra ID. Main runs the sign-in (the
 * system browser and a loopback redirect) and keeps the tokens sealed in the vault; nothing but
 * who is signed in, and where, ever comes back here.
 */

/** Checked as `roleatlas dataverse --env` checks it (environmentUrl); answered as the environment's origin. */
export const environment = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(2000)
  .superRefine((text, ctx) => {
    const problem = environmentUrlProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((text) => new URL(text).origin);

/** An application (client) id as Entra ID writes it. */
export const clientId = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be an application (client) id, a GUID such as 51f81489-12ee-4a9e-aaae-a2591f45987d');

export const authority = z
  .string()
  .trim()
  .max(2000)
  .refine((s) => /^https:\/\/[^?#@\s]+$/i.test(s) || /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/[^?#\s]*)?$/i.test(s), 'must be the sign-in authority’s https:// URL, such as https://login.microsoftonline.com/organizations');

export const dataverseAccountSchema = z.object({
  /** false: the organization is held in memory, with no vault to keep a sign-in in. */
  available: z.boolean(),
  /** Who is signed in, to which environment, through which app registration; null when nobody is. */
  account: z
    .object({
      /** The sign-in name (user principal name) Entra ID gives. */
      username: z.string(),
      /** The display name, when the identity provider gives one. */
      name: z.string().nullable(),
      env: z.string(),
      clientId: z.string(),
      authority: z.string(),
      /** Why the admin must sign in again before a pull or push (the organization demands multi-factor authentication); null when the sign-in renews itself. */
      signInRequired: z.string().nullable(),
    })
    .nullable(),
});
export type DataverseAccountDto = z.infer<typeof dataverseAccountSchema>;

export const dataverseChannels = {
  /**
   * Signs in through the system browser (authorization code with PKCE, answered on a loopback
   * port); resolves once the admin has finished there. clientId defaults to Microsoft's documented
   * public client for Dataverse tools, authority to https://login.microsoftonline.com/organizations.
   */
  'dataverse:signIn': channel(z.object({ env: environment, clientId: clientId.optional(), authority: authority.optional() }).strict(), dataverseAccountSchema),
  /** Gives up a sign-in still waiting in the browser (the admin closed the tab, or changed their mind); it answers 'cancelled'. */
  'dataverse:cancelSignIn': channel(z.object({}).strict(), dataverseAccountSchema),
  /** Forgets the tokens kept in the vault. */
  'dataverse:signOut': channel(z.object({}).strict(), dataverseAccountSchema),
  'dataverse:account': channel(z.object({}).strict(), dataverseAccountSchema),
} as const;
