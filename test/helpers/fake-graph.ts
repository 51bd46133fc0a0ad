// A fake Microsoft identity platform + Microsoft Graph on 127.0.0.1 (one server serves both, so a
// test sets authority_url and graph_url to the same base). It implements the documented
// client-credentials token endpoint and the Graph v1.0 user endpoints the Entra client uses, with
// their error bodies: token errors {error, error_description, error_codes, ...} and Graph errors
// {error: {code, message, innerError}}. Tokens can be expired server-side to exercise refresh.
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
// https://learn.microsoft.com/en-us/graph/api/authentication-list-methods
import { randomBytes, randomUUID } from 'node:crypto';
import { fakeServer, type FakeServer, type RecordedRequest, type Reply } from './fake-vendor.ts';

export interface FakeGraphUser {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
  accountEnabled: boolean;
  methods: Array<{ type: string; id: string; isDefault?: boolean }>;
}

export interface FakeGraph extends FakeServer {
  tenant: string;
  clientId: string;
  clientSecret: string;
  users: Map<string, FakeGraphUser>;
  revoked: string[];
  /** Tokens issued so far. */
  tokensIssued: number;
  /** Every token issued so far stops working (Graph answers 401 InvalidAuthenticationToken). */
  expireTokens(): void;
  /** Seconds the next tokens say they live. */
  expiresIn: number;
  /** Answers 429 TooManyRequests with Retry-After to the next `times` Graph requests. */
  throttle(times: number, retryAfterSeconds: number): void;
  /** Graph answers 403 Authorization_RequestDenied to requests whose path matches. */
  deny(path: RegExp): void;
}

export function graphError(status: number, code: string, message: string): Reply {
  return {
    status,
    json: { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } },
  };
}

function tokenError(status: number, error: string, description: string, codes: number[]): Reply {
  return {
    status,
    json: { error, error_description: `${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`, error_codes: codes, timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() },
  };
}

const SEGMENT_TYPES: Record<string, string> = {
  microsoftAuthenticatorMethods: '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
  phoneMethods: '#microsoft.graph.phoneAuthenticationMethod',
  fido2Methods: '#microsoft.graph.fido2AuthenticationMethod',
  softwareOathMethods: '#microsoft.graph.softwareOathAuthenticationMethod',
  emailMethods: '#microsoft.graph.emailAuthenticationMethod',
  temporaryAccessPassMethods: '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
  windowsHelloForBusinessMethods: '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod',
};

export async function fakeGraph(options: { users?: FakeGraphUser[] } = {}): Promise<FakeGraph> {
  const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const clientId = '3f1c5a52-0a3e-4d8c-9a47-5d2f5f1f9e01';
  const clientSecret = 'graph~client~secret~Abc123Xyz789';
  const users = new Map<string, FakeGraphUser>();
  for (const user of options.users ?? defaultGraphUsers()) users.set(user.id, structuredClone(user));
  const valid = new Set<string>();
  const denied: RegExp[] = [];
  const revoked: string[] = [];
  let base = '';
  const state = { tokensIssued: 0, expiresIn: 3599 };

  const find = (key: string) => users.get(key) ?? [...users.values()].find((user) => user.userPrincipalName.toLowerCase() === key.toLowerCase());
  const notFound = (key: string) => graphError(404, 'Request_ResourceNotFound', `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`);
  const view = (user: FakeGraphUser, select: string | null) => {
    const full: Record<string, unknown> = { id: user.id, userPrincipalName: user.userPrincipalName, mail: user.mail, displayName: user.displayName, accountEnabled: user.accountEnabled };
    if (!select) return { ...full, accountEnabled: undefined };
    return Object.fromEntries(select.split(',').map((field) => [field, full[field]]));
  };

  function token(request: RecordedRequest, tenantInPath: string): Reply {
    if (request.method !== 'POST') return tokenError(405, 'invalid_request', 'AADSTS900561: The endpoint only accepts POST requests.', [900561]);
    if (!/^application\/x-www-form-urlencoded/.test(request.headers['content-type'] ?? '')) {
      return tokenError(400, 'invalid_request', 'AADSTS900144: The request body must contain the following parameter: grant_type.', [900144]);
    }
    const form = new URLSearchParams(request.body);
    if (tenantInPath !== tenant) return tokenError(400, 'invalid_request', `AADSTS90002: Tenant '${tenantInPath}' not found.`, [90002]);
    if (form.get('grant_type') !== 'client_credentials') return tokenError(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.', [70003]);
    if (form.get('client_id') !== clientId) return tokenError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`, [700016]);
    if (form.get('client_secret') !== clientSecret) return tokenError(401, 'invalid_client', `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`, [7000215]);
    if (form.get('scope') !== `${base}/.default`) return tokenError(400, 'invalid_scope', `AADSTS1002012: The provided value for scope ${form.get('scope')} is not valid.`, [1002012]);
    const accessToken = `eyJ0eXAiOiJKV1QifQ.${randomBytes(24).toString('base64url')}.sig`;
    valid.add(accessToken);
    state.tokensIssued++;
    return { status: 200, json: { token_type: 'Bearer', expires_in: state.expiresIn, ext_expires_in: state.expiresIn, access_token: accessToken } };
  }

  function graph(request: RecordedRequest): Reply {
    const auth = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!auth) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    if (!valid.has(auth)) return graphError(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    const { method, path } = request;
    if (denied.some((pattern) => pattern.test(path))) return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    const select = request.query.get('$select');
    if (method === 'GET' && path === '/v1.0/users') {
      const filter = request.query.get('$filter');
      let list = [...users.values()];
      if (filter) {
        const match = /^mail eq '((?:[^']|'')*)'$/.exec(filter);
        if (!match) return graphError(400, 'Request_UnsupportedQuery', 'Unsupported or invalid query filter clause specified.');
        const mail = match[1]!.replace(/''/g, "'").toLowerCase();
        list = list.filter((user) => user.mail?.toLowerCase() === mail);
      }
      const top = Number(request.query.get('$top') ?? 100);
      return { status: 200, json: { '@odata.context': `${base}/v1.0/$metadata#users`, value: list.slice(0, top).map((user) => view(user, select)) } };
    }
    const one = /^\/v1\.0\/users\/([^/]+)$/.exec(path);
    if (one && method === 'GET') {
      const user = find(one[1]!);
      return user ? { status: 200, json: { '@odata.context': `${base}/v1.0/$metadata#users/$entity`, ...view(user, select) } } : notFound(one[1]!);
    }
    if (one && method === 'PATCH') {
      const user = find(one[1]!);
      if (!user) return notFound(one[1]!);
      if (!/^application\/json/.test(request.headers['content-type'] ?? '')) return graphError(415, 'UnsupportedMediaType', 'Content-Type must be application/json.');
      const body = JSON.parse(request.body || '{}') as { accountEnabled?: unknown };
      if (typeof body.accountEnabled !== 'boolean') return graphError(400, 'Request_BadRequest', 'Invalid value specified for property \'accountEnabled\' of resource \'User\'.');
      user.accountEnabled = body.accountEnabled;
      return { status: 204 };
    }
    const revoke = /^\/v1\.0\/users\/([^/]+)\/revokeSignInSessions$/.exec(path);
    if (revoke && method === 'POST') {
      const user = find(revoke[1]!);
      if (!user) return notFound(revoke[1]!);
      revoked.push(user.id);
      return { status: 200, json: { '@odata.context': `${base}/v1.0/$metadata#Edm.Boolean`, value: true } };
    }
    const list = /^\/v1\.0\/users\/([^/]+)\/authentication\/methods$/.exec(path);
    if (list && method === 'GET') {
      const user = find(list[1]!);
      if (!user) return notFound(list[1]!);
      return { status: 200, json: { '@odata.context': `${base}/v1.0/$metadata#users('${user.id}')/authentication/methods`, value: user.methods.map((m) => ({ '@odata.type': m.type, id: m.id })) } };
    }
    const remove = /^\/v1\.0\/users\/([^/]+)\/authentication\/([A-Za-z0-9]+)\/([^/]+)$/.exec(path);
    if (remove && method === 'DELETE') {
      const user = find(remove[1]!);
      if (!user) return notFound(remove[1]!);
      const type = SEGMENT_TYPES[remove[2]!];
      const index = user.methods.findIndex((m) => m.id === remove[3] && m.type === type);
      if (!type || index < 0) return graphError(404, 'itemNotFound', 'The requested authentication method was not found.');
      const method = user.methods[index]!;
      const others = user.methods.filter((m) => m !== method && !m.type.endsWith('passwordAuthenticationMethod'));
      if (method.isDefault && others.length > 0) return graphError(400, 'badRequest', 'The default authentication method cannot be deleted while other methods are registered.');
      user.methods.splice(index, 1);
      return { status: 204 };
    }
    return graphError(400, 'BadRequest', `Resource not found for the segment '${path.split('/').pop()}'.`);
  }

  const server = await fakeServer((request) => {
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(request.path);
    return tokenPath ? token(request, tokenPath[1]!) : graph(request);
  });
  base = server.url;
  return {
    ...server,
    tenant,
    clientId,
    clientSecret,
    users,
    revoked,
    get tokensIssued() {
      return state.tokensIssued;
    },
    get expiresIn() {
      return state.expiresIn;
    },
    set expiresIn(value: number) {
      state.expiresIn = value;
    },
    expireTokens: () => valid.clear(),
    throttle(times, retryAfterSeconds) {
      server.inject({ times, path: /^\/v1\.0\//, reply: { ...graphError(429, 'TooManyRequests', 'Too many requests.'), headers: { 'retry-after': String(retryAfterSeconds) } } });
    },
    deny: (path) => denied.push(path),
  };
}

export function defaultGraphUsers(): FakeGraphUser[] {
  return [
    {
      id: '6e7b768e-07e2-4810-8459-485f84f8f204',
      userPrincipalName: 'adele@contoso.example',
      mail: 'adele.vance@contoso.example',
      displayName: 'Adele Vance',
      accountEnabled: true,
      methods: [
        { type: '#microsoft.graph.passwordAuthenticationMethod', id: '28c10230-6103-485e-b985-444c60001490' },
        { type: '#microsoft.graph.phoneAuthenticationMethod', id: '3179e48a-750b-4051-897c-87b9720928f7', isDefault: true },
        { type: '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', id: '6a5a5b7e-2a3c-4e2b-8f3c-1f4b2a6d9e10' },
        { type: '#microsoft.graph.fido2AuthenticationMethod', id: 'b5d0d4a6-3a4b-4c1e-9e1d-7c2b3a4d5e6f' },
      ],
    },
    {
      id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
      userPrincipalName: 'megan@contoso.example',
      mail: 'megan.bowen@contoso.example',
      displayName: 'Megan Bowen',
      accountEnabled: false,
      methods: [{ type: '#microsoft.graph.passwordAuthenticationMethod', id: '28c10230-6103-485e-b985-444c60001490' }],
    },
  ];
}
