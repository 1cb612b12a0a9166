import type { dataverseChannels } from '../bridge/channels/dataverse';
import type { DataverseSignIn } from './services';
import { answer, type Handler, value } from './dispatch';

/** The sign-in's channels; pull and push (dataverse:pull…) have their own module, dataverseLink. */
type SignInHandlers = { readonly [C in keyof typeof dataverseChannels]: Handler<C> };

export function dataverseHandlers(signIn: DataverseSignIn): SignInHandlers {
  return {
    'dataverse:signIn': async ({ env, clientId, authority }) => answer(await signIn.signIn({ env, clientId, authority })),
    'dataverse:cancelSignIn': () => answer(signIn.cancelSignIn()),
    'dataverse:signOut': () => answer(signIn.signOut()),
    'dataverse:account': () => value(signIn.account()),
  };
}
