import type { DataverseSignInService } from '../session/dataverseSignIn';
import type { Desktop } from '../session/desktop';
import type { OrgSession } from '../session/orgSession';
import type { VaultControl } from '../session/workspace';

/** What the handlers use of the Dataverse sign-in (tests stand in for it with a token the Dataverse double accepts). */
export type DataverseSignIn = Pick<DataverseSignInService, 'signIn' | 'cancelSignIn' | 'signOut' | 'account' | 'token'>;

/** What the handlers work on; register.ts builds it (memoryServices, vaultServices) and hands each area its part. */
export interface Services {
  readonly session: OrgSession;
  readonly workspace: VaultControl;
  /** File dialogs and the system shell (Electron's in the app, scripted in tests). */
  readonly desktop: Desktop;
  /** The Dataverse sign-in, and the access tokens pull and push use (token(env)). */
  readonly dataverse: DataverseSignIn;
}
