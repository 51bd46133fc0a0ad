// The Okta client behind ctx.integrations.okta: the documented Users API (sessions and lifecycle
// operations, user lookup) with an API token (`Authorization: SSWS <token>`).
// https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/
import { clip, codeForStatus, IntegrationCallError, invalidArgument, parseJson, segment, type IntegrationHttp, type VendorResponse } from './http.ts';
// What workflows see is declared once, in the "vigil" module authors import (src/shared/vigil.d.ts).
import type { OktaUser } from 'vigil';
import type { OktaConfig } from './types.ts';

export const OKTA_METHODS = ['findUser', 'revokeSessions', 'suspend', 'unsuspend', 'resetPassword', 'expirePassword', 'checkConnection'] as const;

const HINTS: Record<number, string> = {
  401: 'the Okta API token is invalid, expired or revoked: enter a new one under Settings → Integrations',
  403: "the API token's admin role does not allow this action (it needs a role that can manage this user)",
};

export class OktaClient {
  private readonly config: OktaConfig;
  private readonly http: IntegrationHttp;

  constructor(config: OktaConfig, http: IntegrationHttp) {
    this.config = config;
    this.http = http;
  }

  async call(method: string, args: unknown[]): Promise<unknown> {
    switch (method) {
      case 'findUser':
        return this.findUser(userArg(args[0], 'findUser'));
      case 'revokeSessions': {
        const user = await this.resolve(userArg(args[0], 'revokeSessions'));
        const oauthTokens = option(args[1], 'oauth_tokens', 'revokeSessions') === true;
        await this.request('DELETE', `/api/v1/users/${segment(user.id)}/sessions`, oauthTokens ? { oauthTokens: 'true' } : {});
        return user;
      }
      case 'suspend':
        return this.lifecycle(userArg(args[0], 'suspend'), 'suspend', 'SUSPENDED');
      case 'unsuspend':
        return this.lifecycle(userArg(args[0], 'unsuspend'), 'unsuspend', 'ACTIVE');
      case 'resetPassword': {
        const user = await this.resolve(userArg(args[0], 'resetPassword'));
        const sendEmail = option(args[1], 'send_email', 'resetPassword') !== false;
        const answer = await this.request('POST', `/api/v1/users/${segment(user.id)}/lifecycle/reset_password`, {
          sendEmail: String(sendEmail),
        });
        const url = (answer as { resetPasswordUrl?: unknown } | null)?.resetPasswordUrl;
        return { user: { ...user, status: 'RECOVERY' }, reset_password_url: typeof url === 'string' ? url : null };
      }
      case 'expirePassword': {
        const user = await this.resolve(userArg(args[0], 'expirePassword'));
        const answer = await this.request('POST', `/api/v1/users/${segment(user.id)}/lifecycle/expire_password`);
        return toUser(answer) ?? { ...user, status: 'PASSWORD_EXPIRED' };
      }
      case 'checkConnection': {
        const me = toUser(await this.request('GET', '/api/v1/users/me'));
        return `connected to ${this.config.org_url} as ${me?.login ?? 'the token owner'}`;
      }
      default:
        throw invalidArgument(`ctx.integrations.okta has no method "${method.slice(0, 50)}"`);
    }
  }

  /** By id or login (GET /api/v1/users/{id|login}), then by primary email (search). */
  async findUser(query: string): Promise<OktaUser | null> {
    const direct = await this.send('GET', `/api/v1/users/${segment(query)}`);
    if (direct.status === 200) return this.userOf(direct);
    if (direct.status !== 404) throw this.failure('GET', '/api/v1/users/{user}', direct);
    if (!query.includes('@')) return null;
    const found = await this.request('GET', '/api/v1/users', { search: `profile.email eq "${query}"`, limit: '2' });
    if (!Array.isArray(found)) throw this.invalid('GET /api/v1/users');
    if (found.length > 1) {
      throw new IntegrationCallError({
        message: `Okta: more than one user has the email ${query}; pass the user's login or id instead`,
        code: 'AMBIGUOUS_USER',
        status: null,
        vendor_code: null,
      });
    }
    return found.length === 1 ? toUser(found[0]) : null;
  }

  private async resolve(query: string): Promise<OktaUser> {
    const user = await this.findUser(query);
    if (!user) {
      throw new IntegrationCallError({ message: `Okta: no user with the id, login or email "${query}"`, code: 'NOT_FOUND', status: 404, vendor_code: null });
    }
    return user;
  }

  private async lifecycle(query: string, operation: string, resulting: string): Promise<OktaUser> {
    const user = await this.resolve(query);
    await this.request('POST', `/api/v1/users/${segment(user.id)}/lifecycle/${operation}`);
    return { ...user, status: resulting };
  }

  private send(method: string, path: string, query: Record<string, string> = {}): Promise<VendorResponse> {
    const url = new URL(`${this.config.org_url}${path}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return this.http.send({
      method,
      url,
      // As Okta's own examples send them (a lifecycle POST has no body).
      headers: { authorization: `SSWS ${this.config.api_token}`, accept: 'application/json', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    });
  }

  /** A 2xx answer's JSON (null for 204); anything else throws with Okta's own error summary. */
  private async request(method: string, path: string, query: Record<string, string> = {}): Promise<unknown> {
    const response = await this.send(method, path, query);
    if (response.status < 200 || response.status > 299) throw this.failure(method, path, response);
    const json = parseJson(response.body);
    if (json === undefined) throw this.invalid(`${method} ${path}`);
    return json;
  }

  private userOf(response: VendorResponse): OktaUser {
    const user = toUser(parseJson(response.body));
    if (!user) throw this.invalid('GET /api/v1/users/{user}');
    return user;
  }

  private failure(method: string, path: string, response: VendorResponse): IntegrationCallError {
    const body = parseJson(response.body) as { errorCode?: unknown; errorSummary?: unknown; errorCauses?: Array<{ errorSummary?: unknown }> } | null | undefined;
    const summary = body && typeof body.errorSummary === 'string' ? clip(body.errorSummary) : `HTTP ${response.status}`;
    const causes = Array.isArray(body?.errorCauses) ? body.errorCauses.map((cause) => clip(cause?.errorSummary, 200)).filter(Boolean) : [];
    const vendorCode = body && typeof body.errorCode === 'string' ? body.errorCode : null;
    const hint = HINTS[response.status];
    const message =
      `Okta answered ${response.status} to ${method} ${path}: ${summary}` +
      (vendorCode ? ` (${vendorCode})` : '') +
      (causes.length > 0 ? `: ${causes.join('; ')}` : '') +
      (hint ? `; ${hint}` : '');
    return new IntegrationCallError({ message, code: codeForStatus(response.status), status: response.status, vendor_code: vendorCode });
  }

  private invalid(what: string): IntegrationCallError {
    return new IntegrationCallError({ message: `Okta: the answer to ${what} is not the JSON Okta documents`, code: 'INVALID_RESPONSE', status: null, vendor_code: null });
  }
}

function toUser(value: unknown): OktaUser | null {
  if (!value || typeof value !== 'object') return null;
  const raw = value as { id?: unknown; status?: unknown; profile?: Record<string, unknown> };
  if (typeof raw.id !== 'string') return null;
  const profile = raw.profile && typeof raw.profile === 'object' ? raw.profile : {};
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    id: raw.id,
    login: text(profile.login) ?? raw.id,
    email: text(profile.email),
    status: text(raw.status) ?? 'UNKNOWN',
    first_name: text(profile.firstName),
    last_name: text(profile.lastName),
  };
}

/** A user argument: an Okta user id, login or email. */
export function userArg(value: unknown, method: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidArgument(`okta.${method}(user): user must be a non-empty string (an id, login or email)`);
  const user = value.trim();
  if (user.length > 256 || /["\\\u0000-\u001f]/.test(user)) throw invalidArgument(`okta.${method}(user): "${clip(user, 100)}" is not a valid id, login or email`);
  return user;
}

function option(options: unknown, name: string, method: string): boolean | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object' || Array.isArray(options)) throw invalidArgument(`okta.${method}: options must be an object`);
  const value = (options as Record<string, unknown>)[name];
  if (value !== undefined && typeof value !== 'boolean') throw invalidArgument(`okta.${method}: ${name} must be true or false`);
  return value as boolean | undefined;
}
