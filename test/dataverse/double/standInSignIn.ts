import { refused } from '../../../src-main/core/result';
import type { DataverseSignIn } from '../../../src-main/ipc/services';

/**
 * Stands in for the Dataverse sign-in where no browser can sign in: `username` is signed in to
 * `env`, and every token is `token` (one the double is told to accept). Signing in again is
 * refused, so a test cannot mistake this for the real sign-in (src-main/session/dataverseSignIn.ts).
 */
export function standInSignIn(env: string, token: string, username = 'ada@contoso.onmicrosoft.com'): DataverseSignIn {
  const account = { username, name: null, env, clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d', authority: 'https://login.microsoftonline.com/organizations', signInRequired: null };
  return {
    token: async () => token,
    account: () => ({ available: true, account }),
    signIn: async () => refused('stand-in', 'this test stands in for the sign-in with a fixed token; it cannot sign in through a browser'),
    cancelSignIn: () => refused('nothing-to-cancel', 'no sign-in is waiting in the browser'),
    signOut: () => refused('stand-in', 'this test stands in for the sign-in with a fixed token; it cannot sign out'),
  };
}
