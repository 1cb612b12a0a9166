/**
 * What a Dataverse sign-in is made under: the environment, the app registration (client id) and the
 * authority that signs in. These are the admin's settings; the defaults are the ones Microsoft
 * documents for tools that connect to Dataverse as the signed-in user.
 */
import { environmentUrl } from '../connection';

/**
 * The public client id Microsoft gives in its Dataverse connection-string examples for development
 * and testing (AppId=51f81489-12ee-4a9e-aaae-a2591f45987d): "Use connection strings in XRM tooling
 * to connect to Microsoft Dataverse",
 * https://learn.microsoft.com/power-apps/developer/data-platform/xrm-tooling/use-connection-strings-xrm-tooling-connect
 * An organization that registers its own app (recommended for production) passes its client id.
 */
export const DEFAULT_CLIENT_ID = '51f81489-12ee-4a9e-aaae-a2591f45987d';

/** Work and school accounts of any tenant; a single-tenant app registration names its tenant instead. */
export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com/organizations';

export interface SignInSettings {
  /** The environment's origin, https://ORG.crm.dynamics.com */
  readonly env: string;
  readonly clientId: string;
  readonly authority: string;
}

export class SignInError extends Error {
  constructor(
    /**
     * - invalid-settings: the environment URL, client id or authority is not usable; nothing was tried.
     * - sign-in-required: nobody is signed in to that environment, or the sign-in can no longer be refreshed.
     * - refused: the identity provider refused (a wrong client id, a wrong tenant, consent denied).
     * - unreachable: the identity provider could not be reached.
     * - locked: the vault holding the sign-in is locked.
     * - cancelled: the admin cancelled a browser sign-in before finishing it there.
     * - interaction-required: the organization asks the admin to sign in again themselves (multi-factor authentication, another Conditional Access policy); the settings and the account are kept.
     */
    readonly code: 'invalid-settings' | 'sign-in-required' | 'refused' | 'unreachable' | 'locked' | 'cancelled' | 'interaction-required',
    message: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The settings with their defaults, or a SignInError naming what is wrong. */
export function signInSettings(input: { readonly env: string; readonly clientId?: string; readonly authority?: string }): SignInSettings {
  let env: string;
  try {
    env = environmentUrl(input.env).origin;
  } catch (e) {
    throw new SignInError('invalid-settings', (e as Error).message);
  }
  const clientId = (input.clientId ?? DEFAULT_CLIENT_ID).trim();
  if (!GUID.test(clientId)) throw new SignInError('invalid-settings', `the client id must be an application (client) id, a GUID such as ${DEFAULT_CLIENT_ID} (got "${clientId}")`);
  const authority = authorityUrl(input.authority ?? DEFAULT_AUTHORITY);
  return { env, clientId: clientId.toLowerCase(), authority };
}

function authorityUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new SignInError('invalid-settings', `"${text}" is not a URL; the authority looks like ${DEFAULT_AUTHORITY} or https://login.microsoftonline.com/TENANT-ID`);
  }
  // msal sends credentials only to an https:// authority, and so do we.
  if (url.protocol !== 'https:') throw new SignInError('invalid-settings', `the authority must start with https:// (got "${text}")`);
  if (url.search || url.hash) throw new SignInError('invalid-settings', `the authority has no query or fragment (got "${text}")`);
  return url.href.replace(/\/+$/, '');
}

/**
 * The delegated permission that lets the app act as the signed-in user in the environment:
 * "{environment URL}/user_impersonation", from "Use OAuth authentication with Microsoft Dataverse",
 * https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth
 */
export const scopesFor = (env: string): string[] => [`${env}/user_impersonation`];

/** Entra ID's own hosts get msal's Entra protocol; any other OpenID Connect provider its generic one. */
const ENTRA_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn']);
export const isEntra = (authority: string): boolean => ENTRA_HOSTS.has(new URL(authority).hostname);
