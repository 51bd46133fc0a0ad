// The Microsoft Entra ID client behind ctx.integrations.entra: an OAuth2 client-credentials token
// for Microsoft Graph (cached until shortly before it expires), and the documented Graph v1.0 user
// endpoints: revokeSignInSessions, accountEnabled, and the authentication methods API.
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
// https://learn.microsoft.com/en-us/graph/api/resources/authenticationmethods-overview
import { createHash } from 'node:crypto';
import { clip, codeForStatus, IntegrationCallError, invalidArgument, parseJson, segment, type IntegrationHttp, type VendorResponse } from './http.ts';
// What workflows see is declared once, in the "vigil" module authors import (src/shared/vigil.d.ts).
import type { AuthenticationMethodRef, EntraUser } from 'vigil';
import type { EntraConfig } from './types.ts';

export const ENTRA_METHODS = ['findUser', 'revokeSessions', 'disableAccount', 'enableAccount', 'forceMfaReregistration', 'checkConnection'] as const;

const USER_SELECT = 'id,userPrincipalName,mail,displayName,accountEnabled';
/** A token is used only while it has at least this long left. */
const TOKEN_MARGIN_MS = 120_000;

/**
 * The per-type endpoints that delete an authentication method, by the @odata.type the list
 * endpoint reports. The password method cannot be deleted (Graph refuses); it is kept.
 */
const DELETABLE_METHODS: Record<string, string> = {
  '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod': 'microsoftAuthenticatorMethods',
  '#microsoft.graph.phoneAuthenticationMethod': 'phoneMethods',
  '#microsoft.graph.fido2AuthenticationMethod': 'fido2Methods',
  '#microsoft.graph.softwareOathAuthenticationMethod': 'softwareOathMethods',
  '#microsoft.graph.hardwareOathAuthenticationMethod': 'hardwareOathMethods',
  '#microsoft.graph.emailAuthenticationMethod': 'emailMethods',
  '#microsoft.graph.temporaryAccessPassAuthenticationMethod': 'temporaryAccessPassMethods',
  '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod': 'windowsHelloForBusinessMethods',
  '#microsoft.graph.platformCredentialAuthenticationMethod': 'platformCredentialMethods',
};

const HINTS: Record<number, string> = {
  401: 'Microsoft Graph refused the token: check the tenant id, client id and client secret under Settings → Integrations',
  403: 'the app registration lacks the Graph application permission for this action (e.g. User.ReadWrite.All, User.RevokeSessions.All, UserAuthenticationMethod.ReadWrite.All) or admin consent',
};

/** Client-credentials tokens, shared by the runs of one sandbox process (live runs only). */
export class TokenCache {
  private readonly entries = new Map<string, { token: string; expiresAt: number }>();

  get(key: string): string | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt - TOKEN_MARGIN_MS > Date.now()) return entry.token;
    this.entries.delete(key);
    return null;
  }

  set(key: string, token: string, expiresInSeconds: number): void {
    this.entries.set(key, { token, expiresAt: Date.now() + expiresInSeconds * 1000 });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

export class EntraClient {
  private readonly config: EntraConfig;
  private readonly http: IntegrationHttp;
  private readonly tokens: TokenCache;
  private readonly cacheKey: string;

  constructor(config: EntraConfig, http: IntegrationHttp, tokens: TokenCache) {
    this.config = config;
    this.http = http;
    this.tokens = tokens;
    this.cacheKey = createHash('sha256')
      .update(JSON.stringify([config.authority_url, config.tenant_id, config.client_id, config.client_secret, config.graph_url]))
      .digest('hex');
  }

  async call(method: string, args: unknown[]): Promise<unknown> {
    switch (method) {
      case 'findUser':
        return this.findUser(userArg(args[0], 'findUser'));
      case 'revokeSessions': {
        const user = await this.resolve(userArg(args[0], 'revokeSessions'));
        await this.graph('POST', `/v1.0/users/${segment(user.id)}/revokeSignInSessions`);
        return user;
      }
      case 'disableAccount':
        return this.setEnabled(userArg(args[0], 'disableAccount'), false);
      case 'enableAccount':
        return this.setEnabled(userArg(args[0], 'enableAccount'), true);
      case 'forceMfaReregistration':
        return this.forceMfaReregistration(userArg(args[0], 'forceMfaReregistration'));
      case 'checkConnection': {
        await this.graph('GET', '/v1.0/users', { $top: '1', $select: 'id' });
        return `connected to tenant ${this.config.tenant_id} as application ${this.config.client_id}`;
      }
      default:
        throw invalidArgument(`ctx.integrations.entra has no method "${method.slice(0, 50)}"`);
    }
  }

  /** By object id or userPrincipalName (GET /users/{id|upn}), then by mail ($filter). */
  async findUser(query: string): Promise<EntraUser | null> {
    const direct = await this.graphResponse('GET', `/v1.0/users/${segment(query)}`, { $select: USER_SELECT });
    if (direct.status === 200) {
      const user = toUser(parseJson(direct.body));
      if (!user) throw this.invalid('GET /v1.0/users/{user}');
      return user;
    }
    if (direct.status !== 404) throw this.failure('GET', '/v1.0/users/{user}', direct);
    if (!query.includes('@')) return null;
    const found = (await this.graph('GET', '/v1.0/users', { $filter: `mail eq '${query.replace(/'/g, "''")}'`, $select: USER_SELECT, $top: '2' })) as {
      value?: unknown;
    } | null;
    if (!Array.isArray(found?.value)) throw this.invalid('GET /v1.0/users');
    if (found.value.length > 1) {
      throw new IntegrationCallError({
        message: `Entra: more than one user has the mail ${query}; pass the userPrincipalName or object id instead`,
        code: 'AMBIGUOUS_USER',
        status: null,
        vendor_code: null,
      });
    }
    return found.value.length === 1 ? toUser(found.value[0]) : null;
  }

  private async resolve(query: string): Promise<EntraUser> {
    const user = await this.findUser(query);
    if (!user) {
      throw new IntegrationCallError({ message: `Entra: no user with the object id, userPrincipalName or mail "${query}"`, code: 'NOT_FOUND', status: 404, vendor_code: null });
    }
    return user;
  }

  private async setEnabled(query: string, enabled: boolean): Promise<EntraUser> {
    const user = await this.resolve(query);
    await this.graph('PATCH', `/v1.0/users/${segment(user.id)}`, {}, { accountEnabled: enabled });
    return { ...user, account_enabled: enabled };
  }

  /**
   * Deletes every authentication method but the password, so the user must register MFA again at
   * the next sign-in. Graph refuses to delete the default method while others remain, so a method
   * refused with 400 is tried again once the others are gone.
   */
  private async forceMfaReregistration(query: string): Promise<{ user: EntraUser; removed: AuthenticationMethodRef[]; kept: Array<AuthenticationMethodRef & { reason: string }> }> {
    const user = await this.resolve(query);
    const base = `/v1.0/users/${segment(user.id)}/authentication`;
    const listed = (await this.graph('GET', `${base}/methods`)) as { value?: unknown } | null;
    if (!Array.isArray(listed?.value)) throw this.invalid(`GET ${base}/methods`);
    const removed: AuthenticationMethodRef[] = [];
    const kept: Array<AuthenticationMethodRef & { reason: string }> = [];
    let pending: Array<AuthenticationMethodRef & { segment: string }> = [];
    for (const item of listed.value as Array<Record<string, unknown>>) {
      const type = typeof item?.['@odata.type'] === 'string' ? (item['@odata.type'] as string) : 'unknown';
      const id = typeof item?.id === 'string' ? item.id : '';
      const segment = DELETABLE_METHODS[type];
      if (!segment || !id) {
        kept.push({ type: shortType(type), id, reason: type.endsWith('passwordAuthenticationMethod') ? 'the password is not an MFA method' : 'Graph has no delete endpoint for this method type' });
        continue;
      }
      pending.push({ type: shortType(type), id, segment });
    }
    for (let round = 0; round < 2 && pending.length > 0; round++) {
      const refused: typeof pending = [];
      for (const method of pending) {
        const path = `${base}/${method.segment}/${segment(method.id)}`;
        const response = await this.graphResponse('DELETE', path);
        if (response.status >= 200 && response.status <= 299) removed.push({ type: method.type, id: method.id });
        else if (response.status === 400 && round === 0) refused.push(method);
        else if (response.status === 404) removed.push({ type: method.type, id: method.id });
        else {
          const error = this.failure('DELETE', `${base}/${method.segment}/{id}`, response);
          throw new IntegrationCallError({
            ...error.failure,
            message: `${error.failure.message} (removed so far: ${removed.map((m) => m.type).join(', ') || 'none'})`,
          });
        }
      }
      pending = refused;
    }
    return { user, removed, kept };
  }

  // ── token and requests ──────────────────────────────────────────────────────────────────

  private async token(): Promise<{ token: string; cached: boolean }> {
    const cached = this.tokens.get(this.cacheKey);
    if (cached) return { token: cached, cached: true };
    const url = new URL(`${this.config.authority_url}/${segment(this.config.tenant_id)}/oauth2/v2.0/token`);
    const form = new URLSearchParams({
      client_id: this.config.client_id,
      scope: `${new URL(this.config.graph_url).origin}/.default`,
      client_secret: this.config.client_secret,
      grant_type: 'client_credentials',
    });
    const response = await this.http.send({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
    const body = parseJson(response.body) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown; error_codes?: unknown } | null | undefined;
    if (response.status !== 200 || typeof body?.access_token !== 'string') {
      const code = typeof body?.error === 'string' ? body.error : null;
      const description = typeof body?.error_description === 'string' ? clip(body.error_description.split(/\r?\n/)[0], 300) : `HTTP ${response.status}`;
      const unauthorized = code === 'invalid_client' || code === 'unauthorized_client' || response.status === 401;
      throw new IntegrationCallError({
        message:
          `Entra: no Graph token from ${url.origin} for tenant ${this.config.tenant_id} (${response.status}${code ? ` ${code}` : ''}): ${description}` +
          (unauthorized ? '; check the client id and client secret under Settings → Integrations' : ''),
        code: unauthorized ? 'UNAUTHORIZED' : response.status === 200 ? 'INVALID_RESPONSE' : codeForStatus(response.status),
        status: response.status,
        vendor_code: code,
      });
    }
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in);
    this.tokens.set(this.cacheKey, body.access_token, Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 0);
    return { token: body.access_token, cached: false };
  }

  /** A Graph request with the app's token; a 401 with a cached token fetches a fresh one once. */
  private async graphResponse(method: string, path: string, query: Record<string, string> = {}, json?: unknown): Promise<VendorResponse> {
    const url = new URL(`${this.config.graph_url}${path}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    for (let attempt = 0; ; attempt++) {
      const { token, cached } = await this.token();
      const response = await this.http.send({
        method,
        url,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: json !== undefined ? JSON.stringify(json) : null,
      });
      if (response.status === 401 && cached && attempt === 0) {
        this.tokens.delete(this.cacheKey);
        continue;
      }
      if (response.status === 401) this.tokens.delete(this.cacheKey);
      return response;
    }
  }

  private async graph(method: string, path: string, query: Record<string, string> = {}, json?: unknown): Promise<unknown> {
    const response = await this.graphResponse(method, path, query, json);
    if (response.status < 200 || response.status > 299) throw this.failure(method, path, response);
    const parsed = parseJson(response.body);
    if (parsed === undefined) throw this.invalid(`${method} ${path}`);
    return parsed;
  }

  private failure(method: string, path: string, response: VendorResponse): IntegrationCallError {
    const body = parseJson(response.body) as { error?: { code?: unknown; message?: unknown } } | null | undefined;
    const vendorCode = typeof body?.error?.code === 'string' ? body.error.code : null;
    const detail = typeof body?.error?.message === 'string' ? clip(body.error.message) : `HTTP ${response.status}`;
    const hint = HINTS[response.status];
    const message = `Microsoft Graph answered ${response.status} to ${method} ${path}: ${detail}` + (vendorCode ? ` (${vendorCode})` : '') + (hint ? `; ${hint}` : '');
    return new IntegrationCallError({ message, code: codeForStatus(response.status), status: response.status, vendor_code: vendorCode });
  }

  private invalid(what: string): IntegrationCallError {
    return new IntegrationCallError({ message: `Entra: the answer to ${what} is not the JSON Microsoft Graph documents`, code: 'INVALID_RESPONSE', status: null, vendor_code: null });
  }
}

function toUser(value: unknown): EntraUser | null {
  if (!value || typeof value !== 'object') return null;
  const raw = value as Record<string, unknown>;
  if (typeof raw.id !== 'string') return null;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    id: raw.id,
    user_principal_name: text(raw.userPrincipalName) ?? raw.id,
    mail: text(raw.mail),
    display_name: text(raw.displayName),
    account_enabled: typeof raw.accountEnabled === 'boolean' ? raw.accountEnabled : null,
  };
}

/** "#microsoft.graph.phoneAuthenticationMethod" → "phoneAuthenticationMethod". */
function shortType(type: string): string {
  return type.replace(/^#microsoft\.graph\./, '');
}

function userArg(value: unknown, method: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidArgument(`entra.${method}(user): user must be a non-empty string (an object id, userPrincipalName or mail)`);
  }
  const user = value.trim();
  if (user.length > 256 || /[\u0000-\u001f/\\?]/.test(user)) throw invalidArgument(`entra.${method}(user): "${clip(user, 100)}" is not a valid object id, userPrincipalName or mail`);
  return user;
}
