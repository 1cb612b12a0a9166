import { contract, isChannel, type BridgeError, type BridgeResult, type Channel, type ParsedRequestOf, type ResponseOf } from '../bridge/contract';
import { refusalFromZod, type Result } from '../core/result';
import { SessionUnavailable } from '../session/modelStore';
import { NotFound } from '../session/queries';
import { VaultError } from '../vault/errors';
import { SignInError } from '../dataverse/signIn/settings';

/** A handler gets a request already validated against the contract and returns a value or a refusal. */
export type Handler<C extends Channel> = (request: ParsedRequestOf<C>) => BridgeResult<ResponseOf<C>> | Promise<BridgeResult<ResponseOf<C>>>;

/** Every channel of the contract: a missing or extra handler is a type error. */
export type Handlers = { readonly [C in Channel]: Handler<C> };

/** The handlers of one area ('org' -> org:summary, org:apply), so each area module covers its channels exactly. */
export type AreaHandlers<A extends string> = { readonly [C in Channel as C extends `${A}:${string}` ? C : never]: Handler<C> };

export const value = <T>(v: T): BridgeResult<T> => ({ ok: true, value: v });
export const failure = (error: BridgeError): { ok: false; error: BridgeError } => ({
  ok: false,
  error: error.path === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, path: error.path },
});

/** A session's or a store's Result as the bridge answers it: one way, for every handler. */
export const answer = <T>(r: Result<T>): BridgeResult<T> => (r.ok ? value(r.value) : failure(r.error));

export type Dispatch = (channel: Channel, request: unknown) => Promise<BridgeResult<unknown>>;

/**
 * Validates a request against its channel's schema, calls the handler and always resolves to a
 * BridgeResult: a bad request names its field, a thrown error becomes { code: 'internal' }.
 * No Electron here, so tests stand in for window.api with the real handlers.
 */
export function createDispatch(handlers: Handlers, onError: (channel: string, error: unknown) => void = () => {}): Dispatch {
  return async (channel, request) => {
    if (!isChannel(channel)) return failure({ code: 'unknown-channel', message: `unknown channel "${String(channel)}"` });
    const parsed = contract[channel].request.safeParse(request ?? {});
    if (!parsed.success) {
      const r = refusalFromZod(parsed.error, '', 'invalid-request');
      return failure({ ...r, message: `${channel}: ${r.message}` });
    }
    try {
      const handler = handlers[channel] as Handler<Channel>;
      return await handler(parsed.data);
    } catch (error) {
      // A locked (or not yet created) vault is a state the screens handle, not a failure.
      if (error instanceof SessionUnavailable) return failure({ code: error.code, message: error.message });
      if (error instanceof VaultError) return failure({ code: error.code, message: error.message });
      // No Dataverse sign-in to be had without the admin (locked, expired, refused): the screens ask them to sign in.
      if (error instanceof SignInError) return failure({ code: error.code, message: error.message });
      // A query for one item that is not there answers not-found, for every handler at once.
      if (error instanceof NotFound) return failure({ code: 'not-found', message: error.message });
      onError(channel, error);
      return failure({ code: 'internal', message: `${channel} failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  };
}
