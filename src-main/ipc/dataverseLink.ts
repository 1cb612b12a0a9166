import { DataverseService } from '../session/dataverse';
import { VaultModelStore } from '../session/vaultModelStore';
import { Workspace } from '../session/workspace';
import type { dataverseLinkChannels } from '../bridge/channels/dataverseLink';
import { answer, type Handler, value } from './dispatch';
import type { Services } from './services';

/** The Dataverse service over the workspace's vault, with the sign-in's token (services.dataverse); an organization held in memory has nothing to pull into. */
export function dataverseServiceFor(services: Services): DataverseService {
  const vaults = services.workspace instanceof Workspace ? services.workspace.vaults : null;
  return new DataverseService({
    vaults,
    token: (env) => services.dataverse.token(env),
    // One sign-in is kept at a time: it is this environment's only when it was made for it.
    account: async (env) => {
      const signedIn = services.dataverse.account().account;
      return signedIn && signedIn.env === env ? signedIn.username : null;
    },
    signInRequired: (env) => {
      const signedIn = services.dataverse.account().account;
      return signedIn && signedIn.env === env ? signedIn.signInRequired : null;
    },
    // A pull replaced the organization, a push applied the staged set: the screens reload.
    onChange: () => {
      if (vaults && !vaults.isLocked) services.session.useStore(new VaultModelStore(vaults));
    },
  });
}

/** The link's channels; the sign-in's (dataverse:signIn…) have their own module. */
type LinkHandlers = { readonly [C in keyof typeof dataverseLinkChannels]: Handler<C> };

export function dataverseLinkHandlers(services: Services, dataverse: DataverseService = dataverseServiceFor(services)): LinkHandlers {
  return {
    'dataverse:settings': () => answer(dataverse.settings()),
    'dataverse:setSettings': (settings) => answer(dataverse.setSettings(settings)),
    'dataverse:status': async () => value(await dataverse.status()),
    'dataverse:pull': ({ discard }) => answer(dataverse.pull({ discard })),
    'dataverse:pullProgress': ({ jobid }) => answer(dataverse.pullProgress(jobid)),
    'dataverse:pushPlan': async ({ limit }) => answer(await dataverse.pushPlan(limit)),
    'dataverse:push': async ({ planid }) => answer(await dataverse.push(planid)),
    'dataverse:dismissConflict': async () => answer(await dataverse.dismissConflict()),
  };
}
