/**
 * The identity provider beside the Dataverse double: a real OpenID Connect provider (node
 * oidc-provider) on loopback, standing in for Microsoft Entra ID. It serves HTTPS (msal refuses an
 * authority that is not https://) with a certificate made for the run, at Entra's v2.0 endpoint
 * paths, for one public client allowing the authorization code flow with PKCE and the device code
 * flow, and issues access tokens as RS256 JWTs whose audience is the Dataverse environment.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export interface IdentityAccount {
  readonly username: string;
  readonly password: string;
  readonly name: string;
}

export interface IdentityProviderOptions {
  /** The Dataverse environment URL the access tokens are for (their `aud`, and the resource of the scope `{env}/user_impersonation`). */
  readonly audience: string;
  readonly clientId?: string;
  readonly accounts?: readonly IdentityAccount[];
  /** Lifetime of an access token, seconds (Entra: 60-90 minutes). */
  readonly accessTokenTtl?: number;
  /** The polling interval the device authorization response names, seconds (Entra says 5). */
  readonly deviceInterval?: number;
}

export interface RunningIdentityProvider {
  /** What msal is configured with: https://127.0.0.1:PORT */
  readonly authority: string;
  readonly clientId: string;
  /** The run's certificate (PEM), for the HTTP clients that must trust it. */
  readonly certificate: string;
  /** Checks an access token as Dataverse does: signature against the provider's JWKS, issuer, audience, expiry. */
  verify(token: string): Promise<boolean>;
  /** Access tokens issued so far (token endpoint answers carrying one). */
  readonly issued: { accessTokens: number; refreshGrants: number };
  /**
   * Turns on (or off) a Conditional Access policy demanding multi-factor authentication: a refresh
   * token grant is then answered 400 interaction_required (AADSTS50076) with a claims challenge
   * (`mfaClaims`), except for a refresh token issued to a sign-in whose requests carried that
   * challenge as their `claims` parameter (the admin did the second factor there).
   */
  requireMfa(on: boolean): void;
  /** The claims challenge the policy answers with. */
  readonly mfaClaims: string;
  /** The `claims` parameter of every authorization, device code and token request, in order. */
  readonly claimsRequested: string[];
  close(): Promise<void>;
}

export const TEST_CLIENT_ID = '6f1d3f2a-5b7c-4e8d-9a0b-1c2d3e4f5a6b';
export const TEST_ACCOUNT: IdentityAccount = { username: 'admin@contoso.onmicrosoft.com', password: 'correct horse battery staple', name: 'Avery Admin' };

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) => `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`;

/** A certificate for 127.0.0.1 and localhost, made by openssl for this run. */
function certificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-idp-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return new URLSearchParams(text);
}

export async function startIdentityProvider(options: IdentityProviderOptions): Promise<RunningIdentityProvider> {
  const clientId = options.clientId ?? TEST_CLIENT_ID;
  const accounts = options.accounts ?? [TEST_ACCOUNT];
  const audience = new URL(options.audience).origin;
  // Entra's scope for Dataverse: the environment URL and the delegated permission user_impersonation.
  const resourceScope = `${audience}/user_impersonation`;
  const tls = certificate();
  const issued = { accessTokens: 0, refreshGrants: 0 };
  // The policy's id in the challenge, as Entra names the Conditional Access policies it wants satisfied (capolids).
  const mfaClaims = JSON.stringify({ access_token: { capolids: { essential: true, values: [randomUUID()] } } });
  const mfa = { required: false, satisfied: new Set<string>() };
  const claimsRequested: string[] = [];
  /** Notes a request's claims parameter; true when it carries the challenge (its sign-in went through the second factor). */
  const passesChallenge = (claims: string | null) => {
    if (claims === null) return false;
    claimsRequested.push(claims);
    try {
      const wanted = (JSON.parse(mfaClaims) as { access_token: { capolids: { values: string[] } } }).access_token.capolids.values;
      const given = (JSON.parse(claims) as { access_token?: { capolids?: { values?: unknown } } }).access_token?.capolids?.values;
      return Array.isArray(given) && wanted.every((v) => given.includes(v));
    } catch {
      return false;
    }
  };

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'roleatlas-test-key', alg: 'RS256', use: 'sig' };

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        // A native client's loopback redirect: any port (RFC 8252 §7.3), as Entra allows for http://localhost.
        redirect_uris: ['http://localhost'],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['roleatlas identity double cookie key'] },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    // The ID token carries the profile claims, as Entra's does (msal names the account from it).
    conformIdTokenClaims: false,
    scopes: ['openid', 'profile', 'offline_access'],
    // Entra hands a public client a refresh token for offline_access from the authorization code flow too; OpenID Connect
    // (and oidc-provider by default) only with prompt=consent, which msal does not send.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    findAccount: async (_ctx, sub) => {
      const account = accounts.find((a) => a.username === sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, name: account.name, preferred_username: account.username }) };
    },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: async (ctx, form, _out, err) => {
          ctx.body = page('Enter code', `${err ? '<p id="error">That code is not right or has expired.</p>' : ''}<p>Enter the code shown by the application.</p>${form}`);
        },
        userCodeConfirmSource: async (ctx, form, client, _device, userCode) => {
          ctx.body = page('Are you trying to sign in?', `<p>${escape(String(client.clientId))} asks to sign in with the code ${escape(userCode)}.</p>${form}<button form="op.deviceConfirmForm">Continue</button>`);
        },
        successSource: async (ctx) => {
          ctx.body = page('Signed in', '<p id="done">You have signed in to the application on your device. You may now close this window.</p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        // msal sends no resource parameter: the resource is named by the scope's prefix, as Entra reads it.
        defaultResource: async (ctx) => {
          const scope = String(ctx.oidc.params?.scope ?? '');
          return scope.split(' ').some((s) => s.startsWith(`${audience}/`)) ? audience : undefined;
        },
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== audience) throw new Error(`unknown resource ${resource}`);
          return { scope: resourceScope, audience, accessTokenFormat: 'jwt', accessTokenTTL: options.accessTokenTtl ?? 3600, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    routes: {
      authorization: '/oauth2/v2.0/authorize',
      token: '/oauth2/v2.0/token',
      // msal derives the device endpoint from the token endpoint, as Entra lays them out.
      device_authorization: '/oauth2/v2.0/devicecode',
      jwks: '/discovery/v2.0/keys',
      code_verification: '/devicelogin',
      end_session: '/oauth2/v2.0/logout',
    },
    ttl: { AccessToken: options.accessTokenTtl ?? 3600, DeviceCode: 600, Interaction: 600, Session: 3600, Grant: 86400, RefreshToken: 86400, IdToken: 3600, AuthorizationCode: 60 },
    rotateRefreshToken: false,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // Entra words a refusal on its own pages; this one answers plainly, for the test to read.
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<p id="error">${escape(String(out.error))}: ${escape(String(out.error_description ?? ''))}</p>`);
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.proxy = false;

  // Entra's device authorization answer names its polling interval and a message; RFC 8628 makes both optional and oidc-provider leaves them out.
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    await next();
    if (ctx.path === '/oauth2/v2.0/devicecode' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      const body = ctx.body as Record<string, unknown>;
      body.interval = options.deviceInterval ?? 5;
      body.message = `To sign in, use a web browser to open the page ${String(body.verification_uri)} and enter the code ${String(body.user_code)} to authenticate.`;
      // Entra's answer has no verification_uri_complete (its device code page says so).
      delete body.verification_uri_complete;
    }
    if (ctx.path === '/oauth2/v2.0/token' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object' && 'access_token' in ctx.body) {
      issued.accessTokens++;
      if (ctx.oidc?.params?.grant_type === 'refresh_token') issued.refreshGrants++;
      const refresh = (ctx.body as { refresh_token?: unknown }).refresh_token;
      if ((ctx.req as IncomingMessage & { secondFactor?: boolean }).secondFactor && typeof refresh === 'string') mfa.satisfied.add(refresh);
    }
  });

  const callback = provider.callback();
  const interaction = async (req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    const html = (status: number, body: string) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    if (req.method === 'GET') {
      if (details.prompt.name === 'login') {
        return html(200, page('Sign in', `<form method="post" action="/interaction/${uid}/login"><input name="username"><input name="password" type="password"><button>Sign in</button></form>`));
      }
      return html(200, page('Permissions requested', `<p>${escape(clientId)} asks for ${escape(String(details.params.scope))}</p><form method="post" action="/interaction/${uid}/consent"><button>Accept</button></form>`));
    }
    const form = await formBody(req);
    if (action === 'login') {
      const account = accounts.find((a) => a.username === form.get('username') && a.password === form.get('password'));
      if (!account) return html(400, page('Sign in', `<p id="error">That user name or password is not right.</p><form method="post" action="/interaction/${uid}/login"><input name="username"><input name="password" type="password"><button>Sign in</button></form>`));
      return provider.interactionFinished(req, res, { login: { accountId: account.username } }, { mergeWithLastSubmission: false });
    }
    if (action === 'consent') {
      const { prompt, params, session } = details;
      const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
      if (!grant) throw new Error('grant not found');
      const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    return html(404, page('Not found', ''));
  };
  handler = (req, res) => {
    const at = req.url ?? '';
    if (req.method === 'GET' && at.startsWith('/oauth2/v2.0/authorize')) {
      passesChallenge(new URL(at, issuer).searchParams.get('claims'));
    }
    // msal asks with grant_type=device_code, Entra ID's name before RFC 8628's URN, which Entra still accepts.
    if (req.method === 'POST' && (at.startsWith('/oauth2/v2.0/token') || at.startsWith('/oauth2/v2.0/devicecode'))) {
      void formBody(req).then((form) => {
        const grant = form.get('grant_type');
        if (at.startsWith('/oauth2/v2.0/devicecode')) {
          passesChallenge(form.get('claims'));
        } else if (grant === 'refresh_token') {
          const token = form.get('refresh_token') ?? '';
          if (mfa.required && !mfa.satisfied.has(token)) return refuseForMfa(req, res);
          (req as IncomingMessage & { secondFactor?: boolean }).secondFactor = mfa.satisfied.has(token);
          // oidc-provider keeps offline_access out of a browser sign-in's grant (OpenID Connect asks for prompt=consent) and would refuse it here; Entra renews all the same.
          const scope = form.get('scope');
          if (scope) form.set('scope', scope.split(' ').filter((x) => x !== 'offline_access').join(' '));
        } else {
          // msal sends the claims with the code's redemption too (and with each device code poll).
          (req as IncomingMessage & { secondFactor?: boolean }).secondFactor = passesChallenge(form.get('claims'));
        }
        if (grant === 'device_code') form.set('grant_type', 'urn:ietf:params:oauth:grant-type:device_code');
        (req as IncomingMessage & { body?: string }).body = form.toString();
        void callback(req, res);
      });
      return;
    }
    const m = /^\/interaction\/([^/?]+)(?:\/(login|consent))?(?:\?.*)?$/.exec(req.url ?? '');
    if (m) {
      interaction(req, res, m[1], m[2]).catch((e: unknown) => res.writeHead(400, { 'content-type': 'text/plain' }).end(`interaction failed: ${(e as Error).message}`));
      return;
    }
    // The provider's (Koa's) handler answers its own errors; a node request handler waits for nothing.
    void callback(req, res);
  };

  /**
   * Entra's answer to a token request the policy does not let through: the error response of
   * "Microsoft Entra authentication and authorization error codes" (error, error_description
   * starting with the AADSTS code, error_codes, timestamp, trace_id, correlation_id, error_uri)
   * with the claims challenge to pass on to an interactive request ("Claims challenges, claims
   * requests and client capabilities").
   */
  const refuseForMfa = (req: IncomingMessage, res: ServerResponse) => {
    const timestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const trace = randomUUID();
    const correlation = String(req.headers['client-request-id'] ?? randomUUID());
    const body = {
      error: 'interaction_required',
      error_description: `AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${audience}'.\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp.replace('T', ' ')}`,
      error_codes: [50076],
      timestamp,
      trace_id: trace,
      correlation_id: correlation,
      error_uri: `${issuer}/error?code=50076`,
      suberror: 'basic_action',
      claims: mfaClaims,
    };
    res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };

  // Dataverse checks a bearer token against the keys its tenant publishes: here, the provider's JWKS over TLS.
  const jwks = createRemoteJWKSet(new URL(`${issuer}/discovery/v2.0/keys`));
  return {
    authority: issuer,
    clientId,
    certificate: tls.cert,
    issued,
    mfaClaims,
    claimsRequested,
    requireMfa(on) {
      mfa.required = on;
    },
    async verify(token) {
      try {
        await jwtVerify(token, jwks, { issuer, audience, algorithms: ['RS256'] });
        return true;
      } catch {
        return false;
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
