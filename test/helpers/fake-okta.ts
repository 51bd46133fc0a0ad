// A fake Okta org on 127.0.0.1 implementing the documented Users API paths the Okta client uses:
// SSWS token auth, user lookup by id/login and email search, sessions and lifecycle operations,
// and Okta's error bodies ({errorCode, errorSummary, errorLink, errorId, errorCauses}).
// https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/
import { fakeServer, type FakeServer, type RecordedRequest, type Reply } from './fake-vendor.ts';

export interface FakeOktaUser {
  id: string;
  status: string;
  profile: { login: string; email: string; firstName: string; lastName: string };
}

export interface FakeOkta extends FakeServer {
  token: string;
  users: Map<string, FakeOktaUser>;
  /** Session revocations: user id → whether OAuth tokens went too. */
  revoked: Array<{ id: string; oauthTokens: boolean }>;
  /** Reset-password calls: user id → sendEmail. */
  resets: Array<{ id: string; sendEmail: boolean }>;
  /** Answers 429 (E0000047) to the next `times` requests, with Retry-After when given. */
  rateLimit(times: number, retryAfterSeconds?: number): void;
  /** A token that authenticates but whose admin may do nothing (403 E0000006). */
  readOnlyToken: string;
}

export function oktaError(status: number, errorCode: string, errorSummary: string, causes: string[] = []): Reply {
  return {
    status,
    json: { errorCode, errorSummary, errorLink: errorCode, errorId: `oae${Math.random().toString(36).slice(2, 12)}`, errorCauses: causes.map((summary) => ({ errorSummary: summary })) },
  };
}

const ADMIN: FakeOktaUser = { id: '00uadmin0000000000x7', status: 'ACTIVE', profile: { login: 'soc-bot@example.com', email: 'soc-bot@example.com', firstName: 'SOC', lastName: 'Bot' } };

export async function fakeOkta(options: { users?: FakeOktaUser[]; token?: string } = {}): Promise<FakeOkta> {
  const token = options.token ?? 'okta-test-token-0123456789abcdef';
  const readOnlyToken = 'okta-read-only-token-abcdef0123456789';
  const users = new Map<string, FakeOktaUser>();
  for (const user of options.users ?? defaultOktaUsers()) users.set(user.id, structuredClone(user));
  const revoked: FakeOkta['revoked'] = [];
  const resets: FakeOkta['resets'] = [];
  let base = '';

  const byIdOrLogin = (key: string) => users.get(key) ?? [...users.values()].find((user) => user.profile.login.toLowerCase() === key.toLowerCase());

  function handle(request: RecordedRequest): Reply {
    const auth = request.headers.authorization ?? '';
    const given = /^SSWS (.+)$/.exec(auth)?.[1];
    if (given !== token && given !== readOnlyToken) return oktaError(401, 'E0000011', 'Invalid token provided');
    const { method, path } = request;
    if (method === 'GET' && path === '/api/v1/users/me') return { status: 200, json: ADMIN };
    if (given === readOnlyToken && method !== 'GET') return oktaError(403, 'E0000006', 'You do not have permission to perform the requested action');
    if (method === 'GET' && path === '/api/v1/users') {
      const search = request.query.get('search') ?? '';
      const match = /^profile\.email eq "(.*)"$/.exec(search);
      if (!match) return oktaError(400, 'E0000031', 'Invalid search.');
      const limit = Number(request.query.get('limit') ?? 200);
      return { status: 200, json: [...users.values()].filter((user) => user.profile.email.toLowerCase() === match[1]!.toLowerCase()).slice(0, limit) };
    }
    const one = /^\/api\/v1\/users\/([^/]+)$/.exec(path);
    if (method === 'GET' && one) {
      const user = byIdOrLogin(one[1]!);
      return user ? { status: 200, json: user } : oktaError(404, 'E0000007', `Not found: Resource not found: ${one[1]} (User)`);
    }
    // Sessions and lifecycle operations take the user's id (the client resolves logins first).
    const sessions = /^\/api\/v1\/users\/([^/]+)\/sessions$/.exec(path);
    if (sessions && method === 'DELETE') {
      const user = users.get(sessions[1]!);
      if (!user) return oktaError(404, 'E0000007', `Not found: Resource not found: ${sessions[1]} (User)`);
      revoked.push({ id: user.id, oauthTokens: request.query.get('oauthTokens') === 'true' });
      return { status: 204 };
    }
    const lifecycle = /^\/api\/v1\/users\/([^/]+)\/lifecycle\/([a-z_]+)$/.exec(path);
    if (lifecycle && method === 'POST') {
      const user = users.get(lifecycle[1]!);
      if (!user) return oktaError(404, 'E0000007', `Not found: Resource not found: ${lifecycle[1]} (User)`);
      switch (lifecycle[2]) {
        case 'suspend':
          if (user.status !== 'ACTIVE') return oktaError(400, 'E0000001', 'Api validation failed: Cannot suspend a user that is not active', ['Cannot suspend a user that is not active']);
          user.status = 'SUSPENDED';
          return { status: 200, json: {} };
        case 'unsuspend':
          if (user.status !== 'SUSPENDED') return oktaError(400, 'E0000001', 'Api validation failed: Cannot unsuspend a user that is not suspended', ['Cannot unsuspend a user that is not suspended']);
          user.status = 'ACTIVE';
          return { status: 200, json: {} };
        case 'reset_password': {
          const sendEmail = request.query.get('sendEmail') !== 'false';
          resets.push({ id: user.id, sendEmail });
          user.status = 'RECOVERY';
          return { status: 200, json: sendEmail ? {} : { resetPasswordUrl: `${base}/reset_password/drp${user.id.slice(-6)}tok` } };
        }
        case 'expire_password':
          user.status = 'PASSWORD_EXPIRED';
          return { status: 200, json: user };
      }
    }
    return oktaError(404, 'E0000022', `The endpoint does not support the provided HTTP method`);
  }

  const server = await fakeServer(handle);
  base = server.url;
  return {
    ...server,
    token,
    readOnlyToken,
    users,
    revoked,
    resets,
    rateLimit(times, retryAfterSeconds) {
      const headers: Record<string, string> = {
        'x-rate-limit-limit': '600',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + (retryAfterSeconds ?? 1)),
      };
      if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
      server.inject({ times, reply: { ...oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.'), headers } });
    },
  };
}

export function defaultOktaUsers(): FakeOktaUser[] {
  return [
    { id: '00u1alice000000000x7', status: 'ACTIVE', profile: { login: 'alice@example.com', email: 'alice@example.com', firstName: 'Alice', lastName: 'Anders' } },
    { id: '00u2bob00000000000x7', status: 'ACTIVE', profile: { login: 'bob', email: 'bob.builder@example.com', firstName: 'Bob', lastName: 'Builder' } },
    { id: '00u3carol0000000000x7', status: 'SUSPENDED', profile: { login: 'carol@example.com', email: 'carol@example.com', firstName: 'Carol', lastName: 'Chen' } },
  ];
}
