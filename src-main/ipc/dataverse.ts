import type { DataverseSignInService } from '../session/dataverseSignIn';
import { answer, type AreaHandlers, value } from './dispatch';

export function dataverseHandlers(signIn: DataverseSignInService): AreaHandlers<'dataverse'> {
  return {
    'dataverse:signIn': async ({ env, clientId, authority }) => answer(await signIn.signIn({ env, clientId, authority })),
    'dataverse:signOut': () => answer(signIn.signOut()),
    'dataverse:account': () => value(signIn.account()),
  };
}
