// ctx.integrations in the real sandbox against fake Okta and Microsoft Graph servers on 127.0.0.1:
// the clients run in the sandbox process's broker with credentials the guest never sees, their
// calls count against the run's budget and appear (redacted) in its call log, and vendor errors
// become IntegrationErrors a workflow can branch on.
import { afterAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { RunIntegrations } from '../../src/main/sandbox/index.ts';
import { fakeGraph, type FakeGraph } from '../helpers/fake-graph.ts';
import { fakeOkta, type FakeOkta } from '../helpers/fake-okta.ts';
import { sandbox } from './helpers.ts';

const box = sandbox();
afterAll(() => box.close());

let okta: FakeOkta;
let graph: FakeGraph;
beforeEach(async () => {
  okta = await fakeOkta();
  graph = await fakeGraph();
});
afterEach(async () => {
  await okta.close();
  await graph.close();
});

function integrations(overrides: { okta?: Partial<NonNullable<RunIntegrations['okta']>> | null; entra?: Partial<NonNullable<RunIntegrations['entra']>> | null } = {}): RunIntegrations {
  return {
    okta: overrides.okta === null ? null : { org_url: okta.url, api_token: okta.token, ...overrides.okta },
    entra:
      overrides.entra === null
        ? null
        : { tenant_id: graph.tenant, client_id: graph.clientId, client_secret: graph.clientSecret, authority_url: graph.url, graph_url: graph.url, ...overrides.entra },
  };
}

const run = (body: string, config: RunIntegrations = integrations(), extra: Parameters<typeof box.run>[1] = {}) =>
  box.run(`export async function run(ctx) { ${body} }`, { integrations: config, timeoutMs: 15_000, limits: { cpuMs: 2_000 }, ...extra });

describe('ctx.integrations', () => {
  it('is null for an integration that is not configured, and a frozen client without configuration otherwise', async () => {
    const outcome = await run(
      `const o = ctx.integrations.okta;
       let threw = false;
       try { o.extra = 1; } catch { threw = true; }
       return ctx.ok("seen", { entra: ctx.integrations.entra, methods: Object.keys(o).sort(), frozen: Object.isFrozen(o) && Object.isFrozen(ctx.integrations), threw, text: JSON.stringify(ctx) });`,
      integrations({ entra: null }),
    );
    expect(outcome.status).toBe('success');
    const data = outcome.result!.data as { entra: null; methods: string[]; frozen: boolean; threw: boolean; text: string };
    expect(data.entra).toBeNull();
    expect(data.methods).toEqual(['checkConnection', 'expirePassword', 'findUser', 'resetPassword', 'revokeSessions', 'suspend', 'unsuspend']);
    expect(data.frozen).toBe(true);
    expect(data.threw).toBe(true);
    // Nothing about the configuration reaches the guest.
    expect(data.text).not.toContain(okta.url);
    expect(data.text).not.toContain('okta-test-token');
  });

  it('runs the Okta operations against the documented endpoints with SSWS auth, the token never in the log', async () => {
    const outcome = await run(`
      const okta = ctx.integrations.okta;
      const found = await okta.findUser("bob.builder@example.com");
      const missing = await okta.findUser("nobody@example.com");
      const revoked = await okta.revokeSessions("alice@example.com", { oauth_tokens: true });
      const suspended = await okta.suspend("alice@example.com");
      const unsuspended = await okta.unsuspend("alice@example.com");
      const link = await okta.resetPassword("bob", { send_email: false });
      const mailed = await okta.resetPassword("alice@example.com");
      const expired = await okta.expirePassword("00u1alice000000000x7");
      const check = await okta.checkConnection();
      return ctx.ok("done", { found, missing, revoked: revoked.id, suspended: suspended.status, unsuspended: unsuspended.status, link, mailed: mailed.reset_password_url, expired: expired.status, check });`);
    expect(outcome.error).toBeNull();
    expect(outcome.status).toBe('success');
    const data = outcome.result!.data as Record<string, any>;
    expect(data.found).toEqual({ id: '00u2bob00000000000x7', login: 'bob', email: 'bob.builder@example.com', status: 'ACTIVE', first_name: 'Bob', last_name: 'Builder' });
    expect(data.missing).toBeNull();
    expect(data.revoked).toBe('00u1alice000000000x7');
    expect([data.suspended, data.unsuspended, data.expired]).toEqual(['SUSPENDED', 'ACTIVE', 'PASSWORD_EXPIRED']);
    expect(data.link.reset_password_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reset_password\/drp/);
    expect(data.link.user.status).toBe('RECOVERY');
    expect(data.mailed).toBeNull();
    expect(data.check).toBe(`connected to ${okta.url} as soc-bot@example.com`);
    expect(okta.revoked).toEqual([{ id: '00u1alice000000000x7', oauthTokens: true }]);
    expect(okta.resets).toEqual([{ id: '00u2bob00000000000x7', sendEmail: false }, { id: '00u1alice000000000x7', sendEmail: true }]);
    expect(okta.users.get('00u1alice000000000x7')!.status).toBe('PASSWORD_EXPIRED');
    expect(okta.requests.every((r) => r.headers.authorization === `SSWS ${okta.token}`)).toBe(true);
    expect(okta.requests.filter((r) => r.method === 'POST').every((r) => r.headers['content-type'] === 'application/json' && r.headers['content-length'] === '0')).toBe(true);
    expect(okta.requests.map((r) => `${r.method} ${r.path}`)).toContain('DELETE /api/v1/users/00u1alice000000000x7/sessions');
    // Recorded like ctx.http calls, with the credential redacted everywhere.
    expect(outcome.httpCalls.length).toBe(okta.requests.length);
    expect(outcome.httpCalls[0]!.request_headers.authorization).toBe('SSWS [REDACTED]');
    expect(outcome.logs.filter((entry) => entry.http).length).toBe(okta.requests.length);
    expect(JSON.stringify(outcome)).not.toContain(okta.token);
  });

  it('turns Okta errors into IntegrationErrors with a code, status and Okta error code', async () => {
    const outcome = await run(`
      const errors = [];
      for (const attempt of [() => ctx.integrations.okta.suspend("ghost@example.com"), () => ctx.integrations.okta.suspend("carol@example.com")]) {
        try { await attempt(); errors.push(null); }
        catch (e) { errors.push({ name: e.name, code: e.code, status: e.status, vendor: e.vendor_code, integration: e.integration, message: e.message, isError: e instanceof Error }); }
      }
      return ctx.ok("errors", errors);`);
    const [missing, invalid] = outcome.result!.data as Array<Record<string, unknown>>;
    expect(missing).toMatchObject({ name: 'IntegrationError', code: 'NOT_FOUND', status: 404, integration: 'okta', isError: true });
    expect(missing!.message).toContain('no user with the id, login or email "ghost@example.com"');
    expect(invalid).toMatchObject({ code: 'BAD_REQUEST', status: 400, vendor: 'E0000001' });
    expect(invalid!.message).toContain('Cannot suspend a user that is not active');
  });

  it('refuses malformed arguments and keeps user input inside one path segment', async () => {
    const outcome = await run(`
      const out = [];
      for (const bad of [42, "", { login: "alice" }, ".."]) {
        try { await ctx.integrations.okta.suspend(bad); out.push("accepted"); } catch (e) { out.push(e.code); }
      }
      try { await ctx.integrations.okta.revokeSessions("alice@example.com", { oauth_tokens: "yes" }); } catch (e) { out.push(e.code); }
      out.push(await ctx.integrations.okta.findUser("../../api/v1/users/me"));
      return ctx.ok("checked", out);`);
    expect(outcome.result?.data).toEqual(["INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT", null]);
    expect(okta.requests.map((r) => r.path)).not.toContain('/api/v1/users/me');
    expect(okta.revoked).toEqual([]);
  });

  it('reports a bad token (401) and a token without permission (403) clearly', async () => {
    const bad = await run(`await ctx.integrations.okta.suspend("alice@example.com"); return ctx.ok("no");`, integrations({ okta: { api_token: 'wrong-token-0000' } }));
    expect(bad.status).toBe('failed');
    expect(bad.error).toContain('Okta answered 401');
    expect(bad.error).toContain('Invalid token provided (E0000011)');
    expect(bad.error).toContain('Settings → Integrations');
    const denied = await run(
      `try { await ctx.integrations.okta.suspend("alice@example.com"); } catch (e) { return ctx.fail(e.code + " " + e.status + " " + e.message); } return ctx.ok("no");`,
      integrations({ okta: { api_token: okta.readOnlyToken } }),
    );
    expect(denied.result?.message).toMatch(/^FORBIDDEN 403 Okta answered 403 .*E0000006/);
    expect(okta.users.get('00u1alice000000000x7')!.status).toBe('ACTIVE');
  });

  it('retries a 429 after the Retry-After the server asks for', async () => {
    okta.rateLimit(1, 1);
    const outcome = await run(`const u = await ctx.integrations.okta.suspend("alice@example.com"); return ctx.ok(u.status);`);
    expect(outcome.result?.message).toBe('SUSPENDED');
    expect(outcome.httpCalls.map((call) => call.status)).toEqual([429, 200, 200]);
    expect(okta.users.get('00u1alice000000000x7')!.status).toBe('SUSPENDED');
  });

  it('retries a 5xx with backoff when no Retry-After is given', async () => {
    okta.inject({ times: 1, path: /lifecycle\/suspend$/, reply: { status: 503, json: { errorCode: 'E0000009', errorSummary: 'Internal Server Error' } } });
    const outcome = await run(`const u = await ctx.integrations.okta.suspend("alice@example.com"); return ctx.ok(u.status);`);
    expect(outcome.result?.message).toBe('SUSPENDED');
    expect(outcome.httpCalls.map((call) => call.status)).toEqual([200, 503, 200]);
  });

  it('does not repeat a reset-password POST after a 500: the email may have gone out', async () => {
    okta.inject({ times: 1, path: /lifecycle\/reset_password$/, reply: { status: 500, json: { errorCode: 'E0000009', errorSummary: 'Internal Server Error' } } });
    const outcome = await run(`try { await ctx.integrations.okta.resetPassword("alice@example.com"); } catch (e) { return ctx.fail(e.code); } return ctx.ok("no");`);
    expect(outcome.result?.message).toBe('UPSTREAM_ERROR');
    expect(outcome.httpCalls.map((call) => call.status)).toEqual([200, 500]);
  });

  it('reports an unreachable org as NETWORK_ERROR', async () => {
    const closed = await fakeOkta();
    await closed.close();
    const outcome = await run(
      `try { await ctx.integrations.okta.findUser("alice"); } catch (e) { return ctx.fail(e.code + ": " + e.message); } return ctx.ok("no");`,
      integrations({ okta: { org_url: closed.url } }),
    );
    expect(outcome.result?.message).toMatch(/^NETWORK_ERROR: Okta: GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/users\/alice failed: /);
  });

  it('gives up on a rate limit that outlasts the run and says so', async () => {
    okta.rateLimit(10, 3_600);
    const outcome = await run(`try { await ctx.integrations.okta.findUser("alice@example.com"); } catch (e) { return ctx.fail(e.code + ": " + e.message); } return ctx.ok("no");`);
    expect(outcome.result?.message).toMatch(/^RATE_LIMITED: Okta answered 429 .*E0000047/);
    expect(outcome.httpCalls).toHaveLength(1);
  });

  it('counts integration calls against the run\'s HTTP call budget', async () => {
    const outcome = await run(`for (let i = 0; i < 5; i++) await ctx.integrations.okta.findUser("bob"); return ctx.ok("no");`, integrations(), { limits: { httpCalls: 3, cpuMs: 2_000 } });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBe('HTTP call limit of 3 calls reached');
    expect(okta.requests).toHaveLength(3);
  });

  it('reaches only the configured hosts: the workflow itself still cannot reach the loopback fake', async () => {
    const outcome = await box.run(
      `export async function run(ctx) {
        const user = await ctx.integrations.okta.findUser("bob");
        try { await ctx.http.get(${JSON.stringify(`${okta.url}/api/v1/users/bob`)}); return ctx.fail("reached"); }
        catch (e) { return ctx.ok(user.id, e.message); }
      }`,
      { integrations: integrations(), timeoutMs: 15_000, limits: { cpuMs: 2_000 } },
    );
    expect(outcome.result?.message).toBe('00u2bob00000000000x7');
    expect(String(outcome.result?.data)).toMatch(/loopback|not allowed|denied/i);
    expect(okta.requests).toHaveLength(1);
  });

  it('answers from mocks in test mode, with nothing sent to the configured org', async () => {
    const outcome = await run(`const u = await ctx.integrations.okta.findUser("mocked@example.com"); return ctx.ok(u.login);`, integrations(), {
      mocks: {
        rules: [{ method: 'GET', url: `${okta.url}/api/v1/users/*`, status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: '00umock', status: 'ACTIVE', profile: { login: 'mocked@example.com' } }), delay_ms: 0, times: null }],
        default: 'error',
      },
    });
    expect(outcome.result?.message).toBe('mocked@example.com');
    expect(outcome.httpCalls[0]!.mock).toBe(0);
    expect(okta.requests).toHaveLength(0);
  });
});

describe('ctx.integrations.entra', () => {
  it('gets a client-credentials token, runs the Graph operations and caches the token across runs', async () => {
    const first = await run(`
      const entra = ctx.integrations.entra;
      const byMail = await entra.findUser("adele.vance@contoso.example");
      const revoked = await entra.revokeSessions("adele@contoso.example");
      const disabled = await entra.disableAccount("adele@contoso.example");
      return ctx.ok("done", { byMail, revoked: revoked.id, disabled: disabled.account_enabled });`);
    expect(first.error).toBeNull();
    const data = first.result!.data as Record<string, any>;
    expect(data.byMail).toEqual({ id: '6e7b768e-07e2-4810-8459-485f84f8f204', user_principal_name: 'adele@contoso.example', mail: 'adele.vance@contoso.example', display_name: 'Adele Vance', account_enabled: true });
    expect(data.revoked).toBe('6e7b768e-07e2-4810-8459-485f84f8f204');
    expect(data.disabled).toBe(false);
    expect(graph.revoked).toEqual(['6e7b768e-07e2-4810-8459-485f84f8f204']);
    expect(graph.users.get('6e7b768e-07e2-4810-8459-485f84f8f204')!.accountEnabled).toBe(false);
    const tokenRequest = graph.requests[0]!;
    expect(tokenRequest.path).toBe(`/${graph.tenant}/oauth2/v2.0/token`);
    expect(Object.fromEntries(new URLSearchParams(tokenRequest.body))).toEqual({ client_id: graph.clientId, client_secret: graph.clientSecret, grant_type: 'client_credentials', scope: `${graph.url}/.default` });
    expect(graph.requests.slice(1).every((r) => /^Bearer /.test(r.headers.authorization ?? ''))).toBe(true);
    expect(JSON.stringify(first)).not.toContain(graph.clientSecret);
    expect(first.httpCalls[0]!.request_body).toContain('client_secret=[REDACTED]');

    const second = await run(`const u = await ctx.integrations.entra.enableAccount("adele@contoso.example"); return ctx.ok(String(u.account_enabled));`);
    expect(second.result?.message).toBe('true');
    expect(graph.tokensIssued).toBe(1);
  });

  it('refreshes an expired token once on a 401 and goes on', async () => {
    await run(`await ctx.integrations.entra.findUser("adele@contoso.example"); return ctx.ok("warm");`);
    graph.expireTokens();
    const outcome = await run(`const u = await ctx.integrations.entra.revokeSessions("adele@contoso.example"); return ctx.ok(u.id);`);
    expect(outcome.status).toBe('success');
    expect(graph.tokensIssued).toBe(2);
    expect(outcome.httpCalls.map((call) => call.status)).toEqual([401, 200, 200, 200]);
  });

  it('says what is wrong with the app credentials', async () => {
    const outcome = await run(
      `try { await ctx.integrations.entra.findUser("adele@contoso.example"); } catch (e) { return ctx.fail(e.code + " " + e.vendor_code + " " + e.message); } return ctx.ok("no");`,
      integrations({ entra: { client_secret: 'not-the-secret' } }),
    );
    expect(outcome.result?.message).toMatch(/^UNAUTHORIZED invalid_client Entra: no Graph token .*AADSTS7000215: Invalid client secret provided/);
    expect(outcome.result?.message).not.toContain('Trace ID');
  });

  it('reports missing Graph permissions (403) and unknown users (404)', async () => {
    graph.deny(/revokeSignInSessions$/);
    const outcome = await run(`
      const out = [];
      for (const user of ["adele@contoso.example", "nobody@contoso.example"]) {
        try { await ctx.integrations.entra.revokeSessions(user); } catch (e) { out.push([e.code, e.status, e.vendor_code, e.message]); }
      }
      return ctx.ok("errors", out);`);
    const [denied, missing] = outcome.result!.data as [[string, number, string, string], [string, number, string, string]];
    expect(denied.slice(0, 3)).toEqual(['FORBIDDEN', 403, 'Authorization_RequestDenied']);
    expect(denied[3]).toContain('Insufficient privileges');
    expect(missing.slice(0, 2)).toEqual(['NOT_FOUND', 404]);
  });

  it('retries Graph throttling (429 with Retry-After)', async () => {
    graph.throttle(2, 1);
    const outcome = await run(`const u = await ctx.integrations.entra.findUser("megan@contoso.example"); return ctx.ok(u.display_name);`);
    expect(outcome.result?.message).toBe('Megan Bowen');
    expect(outcome.httpCalls.map((call) => call.status)).toEqual([200, 429, 429, 200]);
  });

  it('forces MFA re-registration: deletes every method but the password, the default one last', async () => {
    const outcome = await run(`const r = await ctx.integrations.entra.forceMfaReregistration("adele.vance@contoso.example"); return ctx.ok("reset", r);`);
    expect(outcome.error).toBeNull();
    const data = outcome.result!.data as { removed: Array<{ type: string }>; kept: Array<{ type: string; reason: string }> };
    expect(data.removed.map((m) => m.type).sort()).toEqual(['fido2AuthenticationMethod', 'microsoftAuthenticatorAuthenticationMethod', 'phoneAuthenticationMethod']);
    expect(data.kept).toEqual([{ type: 'passwordAuthenticationMethod', id: expect.any(String), reason: 'the password is not an MFA method' }]);
    expect(graph.users.get('6e7b768e-07e2-4810-8459-485f84f8f204')!.methods.map((m) => m.type)).toEqual(['#microsoft.graph.passwordAuthenticationMethod']);
  });
});
