// The workflow authoring contract: what a workflow's `run(ctx)` receives and what it may import.
//
// This file is the single source of truth for three readers:
//   - the Monaco editor (hover text and completion come from these doc comments),
//   - the LLM code generator (the prompt includes this file verbatim),
//   - the sandbox, which implements exactly this surface inside QuickJS (DESIGN.md §5, §6).
// It declares only the "vigil" module, so it never changes the global types of the project that
// includes it. `URL`, `URLSearchParams`, `TextEncoder` and `TextDecoder` are also globals inside the
// sandbox; an editor whose `lib` lacks them can declare them from this module (see docs/workflows.md).

/**
 * The Vigil workflow API. A workflow is a TypeScript module that imports (types and helpers) only
 * from "vigil" and exports one async function:
 *
 * @example
 * import type { WorkflowContext, WorkflowResult } from "vigil";
 * import { hmac } from "vigil";
 *
 * export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
 *   const res = await ctx.http.get("https://intel.example.com/v1/ip/" + ctx.indicator.value);
 *   if (!res.ok) return ctx.fail(`intel API answered ${res.status}`);
 *   return ctx.ok("looked up", res.json());
 * }
 *
 * Limits per run (defaults; a workflow may lower or, within bounds, raise some of them): CPU 5 s,
 * wall clock = the workflow's timeout, 64 MB memory, 200 HTTP calls with at most 8 in flight and
 * 10 MB per body, 1,000 log entries / 256 KB of log text, 1 MB result, 1 MB source. Hitting a limit
 * ends the run as `failed` (or `timed_out` for time limits) with a message naming the limit.
 */
declare module "vigil" {
  // ─── Inputs ────────────────────────────────────────────────────────────────────────────────

  /**
   * The kinds of indicator a workflow can be triggered with.
   *
   * @example
   * const hashes: IndicatorType[] = ["hash_md5", "hash_sha1", "hash_sha256"];
   */
  export type IndicatorType =
    | "ip"
    | "domain"
    | "hash_md5"
    | "hash_sha1"
    | "hash_sha256"
    | "url"
    | "email"
    | "account";

  /**
   * The indicator the run was triggered with (`ctx.indicator`).
   *
   * @example
   * if (ctx.indicator.type !== "ip") return ctx.fail(`expected an IP, got ${ctx.indicator.type}`);
   */
  export interface Indicator {
    /**
     * What kind of value this is, e.g. `"ip"` or `"hash_sha256"`.
     *
     * @example
     * if (ctx.indicator.type === "ip") ctx.log.info("blocking an address");
     */
    readonly type: IndicatorType;
    /**
     * The indicator itself, as the caller sent it, e.g. `"203.0.113.7"` or `"evil.example"`.
     *
     * @example
     * const ip = ctx.indicator.value;
     */
    readonly value: string;
    /**
     * The caller's verdict on the indicator, if it sent one (e.g. `"Malicious"`), else `null`.
     *
     * @example
     * if (ctx.indicator.malice === "Benign") return ctx.ok("benign: nothing to do");
     */
    readonly malice: string | null;
    /**
     * Enrichment data the caller attached (free JSON object), else `null`.
     *
     * @example
     * const country = (ctx.indicator.enrichment?.geo as { country?: string } | undefined)?.country;
     */
    readonly enrichment: Record<string, unknown> | null;
  }

  /**
   * The alert the run is about (`ctx.alert`), when the caller sent one; otherwise `ctx.alert` is `null`.
   *
   * @example
   * const title = ctx.alert?.title ?? "(no alert)";
   */
  export interface Alert {
    /**
     * The alert's id in the source system.
     *
     * @example
     * ctx.log.info("handling alert", { alert: ctx.alert?.uuid });
     */
    readonly uuid?: string;
    /**
     * A one-line summary, e.g. `"Impossible travel for jdoe"`.
     *
     * @example
     * const summary = `[Vigil] ${ctx.alert?.title ?? ctx.indicator.value}`;
     */
    readonly title?: string;
    /**
     * The source system's severity, e.g. `"high"`.
     *
     * @example
     * const urgent = ["high", "critical"].includes(ctx.alert?.severity ?? "");
     */
    readonly severity?: string;
    /**
     * Where the alert came from, e.g. `"sentinel"`.
     *
     * @example
     * if (ctx.alert?.source === "sentinel") ctx.log.debug("from Sentinel");
     */
    readonly source?: string;
    /**
     * Source-specific fields.
     *
     * @example
     * const user = ctx.alert?.fields?.["user_principal_name"] as string | undefined;
     */
    readonly fields?: Record<string, unknown>;
    /** Anything else the caller sent with the alert. */
    readonly [key: string]: unknown;
  }

  /**
   * Facts about the current run (`ctx.run`).
   *
   * @example
   * ctx.log.info("starting", { run: ctx.run.id, version: ctx.run.workflow.version });
   */
  export interface RunInfo {
    /**
     * The run's id (a UUID), as shown in the run history.
     *
     * @example
     * const comment = `Blocked by Vigil run ${ctx.run.id}`;
     */
    readonly id: string;
    /**
     * The workflow being run, pinned to the code version that is executing.
     *
     * @example
     * const label = `${ctx.run.workflow.name} v${ctx.run.workflow.version}`;
     */
    readonly workflow: {
      /**
       * The workflow's id.
       *
       * @example
       * ctx.log.debug("workflow", { uuid: ctx.run.workflow.uuid });
       */
      readonly uuid: string;
      /**
       * The workflow's name.
       *
       * @example
       * const footer = `Sent by ${ctx.run.workflow.name}`;
       */
      readonly name: string;
      /**
       * The code version that is running (1 for the first saved version).
       *
       * @example
       * ctx.log.info("version", { version: ctx.run.workflow.version });
       */
      readonly version: number;
    };
    /**
     * Who started the run: `"human"` (an analyst key), `"agent"` (an AI agent's key) or
     * `"schedule"` (the workflow's own schedule).
     *
     * @example
     * if (ctx.run.trigger === "agent") ctx.log.info("started by an agent");
     */
    readonly trigger: "human" | "agent" | "schedule";
    /**
     * The occurrence a scheduled run stands for (ISO 8601, UTC), e.g. `"2030-01-07T07:00:00.000Z"`;
     * `null` when the run was not started by the schedule. A late run (caught up after Vigil was
     * not running) still gets the occurrence's time, not the time it started.
     *
     * @example
     * const since = ctx.run.scheduled_for ?? new Date().toISOString();
     */
    readonly scheduled_for: string | null;
    /**
     * `true` when the run is a test (`vigil test`, the console's Test button): HTTP calls are
     * answered from mocks and nothing leaves the machine.
     *
     * @example
     * if (ctx.run.test) ctx.log.debug("test run: responses are mocked");
     */
    readonly test: boolean;
  }

  // ─── HTTP ──────────────────────────────────────────────────────────────────────────────────

  /**
   * HTTP methods accepted by `ctx.http.request`.
   *
   * @example
   * const method: HttpMethod = dryRun ? "GET" : "POST";
   */
  export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

  /**
   * Options of every `ctx.http` call.
   *
   * @example
   * await ctx.http.post("https://api.example.com/v1/block", {
   *   headers: { authorization: `Bearer ${token}` },
   *   query: { dry_run: false },
   *   json: { ip: ctx.indicator.value },
   *   timeout_ms: 10_000,
   * });
   */
  export interface HttpOptions {
    /**
     * Request headers.
     *
     * @example
     * headers: { authorization: `Bearer ${token}`, accept: "application/json" }
     */
    headers?: Record<string, string>;
    /**
     * Query-string parameters, URL-encoded and appended to the URL.
     *
     * @example
     * query: { ip: ctx.indicator.value, limit: 10, verbose: true }
     */
    query?: Record<string, string | number | boolean>;
    /**
     * A body to send as JSON (sets `content-type: application/json` unless you set one).
     *
     * @example
     * json: { text: "blocked 203.0.113.7" }
     */
    json?: unknown;
    /**
     * A raw string body (use `json` for JSON). Set the `content-type` header yourself.
     *
     * @example
     * body: "ip=203.0.113.7", headers: { "content-type": "application/x-www-form-urlencoded" }
     */
    body?: string;
    /**
     * Give up on this call after this many milliseconds (the promise rejects). Bounded by the
     * run's own timeout.
     *
     * @example
     * timeout_ms: 5_000
     */
    timeout_ms?: number;
  }

  /**
   * A full request description for `ctx.http.request`.
   *
   * @example
   * await ctx.http.request({ method: "PUT", url: "https://api.example.com/v1/rules/7", json: rule });
   */
  export interface HttpRequest extends HttpOptions {
    /**
     * The HTTP method, upper-case.
     *
     * @example
     * method: "PATCH"
     */
    method: HttpMethod;
    /**
     * The absolute `https://` (or allowed `http://`) URL.
     *
     * @example
     * url: `https://api.example.com/v1/hosts/${encodeURIComponent(host)}`
     */
    url: string;
  }

  /**
   * An HTTP response. The body is already read (and capped at 10 MB), so `json()` and `text()` are
   * synchronous. Any status, including 4xx and 5xx, resolves: check `ok` or `status`.
   *
   * @example
   * const res = await ctx.http.get("https://api.example.com/v1/items");
   * if (!res.ok) return ctx.fail(`items: HTTP ${res.status}: ${res.text().slice(0, 200)}`);
   * const items = res.json<{ id: string }[]>();
   */
  export interface HttpResponse {
    /**
     * The status code, e.g. `200` or `404`.
     *
     * @example
     * if (res.status === 404) return ctx.ok("not found: nothing to do");
     */
    readonly status: number;
    /**
     * `true` when `status` is 200–299.
     *
     * @example
     * if (!res.ok) return ctx.fail(`HTTP ${res.status}`);
     */
    readonly ok: boolean;
    /**
     * The final URL after redirects.
     *
     * @example
     * if (res.url !== requested) ctx.log.debug("redirected", { to: res.url });
     */
    readonly url: string;
    /**
     * Response headers, names in lower case.
     *
     * @example
     * const remaining = Number(res.headers["x-ratelimit-remaining"] ?? "0");
     */
    readonly headers: Record<string, string>;
    /**
     * The body parsed as JSON. Throws if the body is not valid JSON.
     *
     * @example
     * const { data } = res.json<{ data: { score: number } }>();
     */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON reads as `any` unless the author names a type
    json<T = any>(): T;
    /**
     * The body as text (UTF-8).
     *
     * @example
     * ctx.log.warn("unexpected answer", { body: res.text().slice(0, 500) });
     */
    text(): string;
  }

  /**
   * Outbound HTTP (`ctx.http`), the only network access a workflow has. Calls go through Vigil's
   * egress policy (the workflow's allowed hosts; private and loopback addresses are refused unless
   * the workflow opts in). Network errors, timeouts and policy denials reject the promise; HTTP error
   * statuses do not. At most 200 calls per run, 8 in flight at once.
   *
   * @example
   * const res = await ctx.http.get("https://api.example.com/v1/ip", { query: { ip: ctx.indicator.value } });
   */
  export interface HttpClient {
    /**
     * Sends a GET request.
     *
     * @example
     * const res = await ctx.http.get(`https://intel.example.com/v1/domains/${ctx.indicator.value}`);
     */
    get(url: string, options?: HttpOptions): Promise<HttpResponse>;
    /**
     * Sends a POST request.
     *
     * @example
     * const res = await ctx.http.post("https://fw.example.com/api/block", { json: { ip: ctx.indicator.value } });
     */
    post(url: string, options?: HttpOptions): Promise<HttpResponse>;
    /**
     * Sends a PUT request.
     *
     * @example
     * await ctx.http.put("https://api.example.com/v1/lists/blocked/203.0.113.7", { json: { reason: "phishing" } });
     */
    put(url: string, options?: HttpOptions): Promise<HttpResponse>;
    /**
     * Sends a PATCH request.
     *
     * @example
     * await ctx.http.patch("https://tickets.example.com/api/issues/42", { json: { status: "contained" } });
     */
    patch(url: string, options?: HttpOptions): Promise<HttpResponse>;
    /**
     * Sends a DELETE request.
     *
     * @example
     * await ctx.http.delete("https://fw.example.com/api/rules/7");
     */
    delete(url: string, options?: HttpOptions): Promise<HttpResponse>;
    /**
     * Sends a request with any method.
     *
     * @example
     * const res = await ctx.http.request({ method: "HEAD", url: "https://example.com/", timeout_ms: 3_000 });
     */
    request(request: HttpRequest): Promise<HttpResponse>;
  }

  // ─── Logging, secrets, integrations ────────────────────────────────────────────────────────

  /**
   * The run log (`ctx.log`), shown in the console and stored with the run. At most 1,000 entries
   * and 256 KB per run. Secret values are redacted, but do not log secrets in the first place.
   *
   * @example
   * ctx.log.info("firewall answered", { status: res.status, rule: ruleId });
   */
  export interface Logger {
    /**
     * Detail useful while developing a workflow.
     *
     * @example
     * ctx.log.debug("request body", { body });
     */
    debug(message: string, fields?: Record<string, unknown>): void;
    /**
     * Normal progress.
     *
     * @example
     * ctx.log.info("ticket opened", { key: ticket.key });
     */
    info(message: string, fields?: Record<string, unknown>): void;
    /**
     * Something unexpected that the workflow handled.
     *
     * @example
     * ctx.log.warn("rate limited, retrying", { retry_after: res.headers["retry-after"] });
     */
    warn(message: string, fields?: Record<string, unknown>): void;
    /**
     * A failure (usually followed by `return ctx.fail(...)`).
     *
     * @example
     * ctx.log.error("block failed", { status: res.status });
     */
    error(message: string, fields?: Record<string, unknown>): void;
  }

  /**
   * The workflow's secrets (`ctx.secrets`). Values live in the OS keychain; a workflow can read
   * only the names listed in its `secrets` setting.
   *
   * @example
   * const token = ctx.secrets.get("FIREWALL_API_TOKEN");
   * if (!token) return ctx.fail("FIREWALL_API_TOKEN is not set: add it under Settings → Secrets");
   */
  export interface Secrets {
    /**
     * The value of a declared secret, or `null` when it is declared but has no value yet. Throws
     * for a name the workflow does not declare. Pass a string literal so the linter can check it.
     *
     * @example
     * const key = ctx.secrets.get("VT_API_KEY");
     */
    get(name: string): string | null;
  }

  /**
   * Typed clients for identity providers (`ctx.integrations`). A client is `null` until an
   * administrator configures the integration under Settings → Integrations. The clients run on the
   * host side of the sandbox: the credentials (Okta API token, Entra client secret) never enter
   * the workflow. Their requests count against the run's HTTP budget and appear in its HTTP log
   * (credentials redacted); in test mode they are answered by the mocks. 429 and 503 answers are
   * retried with backoff (honouring `Retry-After`), other 5xx too except after a POST (it may
   * have taken effect: reset password sends an email); other failures reject with an
   * {@link IntegrationError}.
   *
   * @example
   * const okta = ctx.integrations.okta;
   * if (!okta) return ctx.fail("Okta is not configured: Settings → Integrations");
   */
  export interface Integrations {
    /**
     * The Okta client, or `null` when Okta is not configured.
     *
     * @example
     * const user = await ctx.integrations.okta?.findUser(ctx.indicator.value);
     */
    readonly okta: OktaClient | null;
    /**
     * The Microsoft Entra ID (Microsoft Graph) client, or `null` when Entra is not configured.
     *
     * @example
     * const user = await ctx.integrations.entra?.findUser(ctx.indicator.value);
     */
    readonly entra: EntraClient | null;
  }

  /**
   * What went wrong in an integration call; `code` is stable, `message` explains it for a human.
   *
   * @example
   * const code: IntegrationErrorCode = "NOT_FOUND";
   */
  export type IntegrationErrorCode =
    | "NOT_FOUND"
    | "UNAUTHORIZED"
    | "FORBIDDEN"
    | "RATE_LIMITED"
    | "BAD_REQUEST"
    | "UPSTREAM_ERROR"
    | "NETWORK_ERROR"
    | "INVALID_RESPONSE"
    | "INVALID_ARGUMENT"
    | "AMBIGUOUS_USER"
    | "NOT_CONFIGURED"
    | "INTERNAL_ERROR";

  /**
   * The error an integration client's promise rejects with (`name` is `"IntegrationError"`).
   *
   * @example
   * try {
   *   await ctx.integrations.okta!.suspend("jdoe@example.com");
   * } catch (e) {
   *   const err = e as IntegrationError;
   *   if (err.code === "NOT_FOUND") return ctx.fail("no such Okta user");
   *   throw e;
   * }
   */
  export interface IntegrationError extends Error {
    /**
     * Always `"IntegrationError"`.
     *
     * @example
     * if ((e as Error).name === "IntegrationError") ctx.log.warn("identity provider refused");
     */
    readonly name: "IntegrationError";
    /**
     * Which integration failed.
     *
     * @example
     * ctx.log.error("call failed", { integration: err.integration });
     */
    readonly integration: "okta" | "entra";
    /**
     * Vigil's code for the failure: 401 → `UNAUTHORIZED`, 403 → `FORBIDDEN`, 404 or no such user →
     * `NOT_FOUND`, 429 after the retries → `RATE_LIMITED`, 5xx after the retries → `UPSTREAM_ERROR`.
     *
     * @example
     * if (err.code === "FORBIDDEN") return ctx.fail("the integration lacks permission");
     */
    readonly code: IntegrationErrorCode;
    /**
     * The vendor's HTTP status, or `null` when the failure was not an HTTP answer.
     *
     * @example
     * ctx.log.warn("okta status", { status: err.status });
     */
    readonly status: number | null;
    /**
     * The vendor's own error code when it sent one (Okta `E0000007`, Graph `Request_ResourceNotFound`).
     *
     * @example
     * if (err.vendor_code === "E0000001") ctx.log.info("Okta refused the state change");
     */
    readonly vendor_code: string | null;
  }

  /**
   * An Okta user as the Okta client returns it.
   *
   * @example
   * const user: OktaUser | null = await okta.findUser("jdoe@example.com");
   */
  export interface OktaUser {
    /**
     * Okta's user id (`00u…`).
     *
     * @example
     * ctx.log.info("okta user", { id: user.id });
     */
    id: string;
    /**
     * The Okta login (often, but not always, the email address).
     *
     * @example
     * return ctx.ok(`suspended ${user.login}`);
     */
    login: string;
    /**
     * The primary email, when the profile has one.
     *
     * @example
     * const email = user.email ?? user.login;
     */
    email: string | null;
    /**
     * The lifecycle status (`ACTIVE`, `SUSPENDED`, `PASSWORD_EXPIRED`, `RECOVERY`, `LOCKED_OUT`, …);
     * after an action, the status that action leads to.
     *
     * @example
     * if (user.status === "SUSPENDED") return ctx.ok("already suspended");
     */
    status: string;
    /**
     * First name from the profile.
     *
     * @example
     * ctx.log.info("user", { name: `${user.first_name} ${user.last_name}` });
     */
    first_name: string | null;
    /**
     * Last name from the profile.
     *
     * @example
     * ctx.log.info("user", { last: user.last_name });
     */
    last_name: string | null;
  }

  /**
   * What `okta.resetPassword` returns.
   *
   * @example
   * const { reset_password_url } = await okta.resetPassword(login, { send_email: false });
   */
  export interface OktaPasswordReset {
    /**
     * The user whose password was reset (status `RECOVERY`).
     *
     * @example
     * return ctx.ok(`reset ${reset.user.login}`);
     */
    user: OktaUser;
    /**
     * The one-time reset link when `send_email` was `false`; `null` when Okta emailed the user.
     *
     * @example
     * if (reset.reset_password_url) ctx.log.info("hand the link to the user over a trusted channel");
     */
    reset_password_url: string | null;
  }

  /**
   * The Okta client (`ctx.integrations.okta`): the documented Users API with the configured org
   * URL and API token (`Authorization: SSWS …`). Every `user` argument may be an Okta user id, a
   * login or a primary email address; a user that cannot be found rejects with code `NOT_FOUND`.
   *
   * @example
   * const okta = ctx.integrations.okta;
   * if (!okta) return ctx.fail("Okta is not configured");
   * const user = await okta.revokeSessions(ctx.indicator.value);
   */
  export interface OktaClient {
    /**
     * Looks a user up by id or login (`GET /api/v1/users/{id}`), then by primary email (search).
     * `null` when there is none; rejects with `AMBIGUOUS_USER` when several share the email.
     *
     * @example
     * const user = await okta.findUser("jdoe@example.com");
     * if (!user) return ctx.fail("no such user");
     */
    findUser(user: string): Promise<OktaUser | null>;
    /**
     * Clears all of the user's IdP sessions (`DELETE /api/v1/users/{id}/sessions`), optionally also
     * revoking the OAuth/OIDC tokens issued to the user.
     *
     * @example
     * await okta.revokeSessions("jdoe@example.com", { oauth_tokens: true });
     */
    revokeSessions(user: string, options?: { oauth_tokens?: boolean }): Promise<OktaUser>;
    /**
     * Suspends an `ACTIVE` user (`POST /api/v1/users/{id}/lifecycle/suspend`): they cannot sign in
     * until unsuspended. Okta refuses (`BAD_REQUEST`) for a user that is not active.
     *
     * @example
     * const user = await okta.suspend("jdoe@example.com");
     */
    suspend(user: string): Promise<OktaUser>;
    /**
     * Returns a `SUSPENDED` user to `ACTIVE` (`POST /api/v1/users/{id}/lifecycle/unsuspend`).
     *
     * @example
     * await okta.unsuspend("jdoe@example.com");
     */
    unsuspend(user: string): Promise<OktaUser>;
    /**
     * Starts a password reset (`POST /api/v1/users/{id}/lifecycle/reset_password`): by default Okta
     * emails the user; with `send_email: false` the one-time reset link is returned instead.
     *
     * @example
     * const reset = await okta.resetPassword("jdoe@example.com", { send_email: false });
     */
    resetPassword(user: string, options?: { send_email?: boolean }): Promise<OktaPasswordReset>;
    /**
     * Expires the user's password (`POST /api/v1/users/{id}/lifecycle/expire_password`): they must
     * change it at the next sign-in.
     *
     * @example
     * const user = await okta.expirePassword("jdoe@example.com");
     */
    expirePassword(user: string): Promise<OktaUser>;
    /**
     * Checks that the org URL and token work (`GET /api/v1/users/me`); resolves to a description.
     *
     * @example
     * ctx.log.info(await okta.checkConnection());
     */
    checkConnection(): Promise<string>;
  }

  /**
   * A Microsoft Entra ID user as the Entra client returns it.
   *
   * @example
   * const user: EntraUser | null = await entra.findUser("jdoe@contoso.com");
   */
  export interface EntraUser {
    /**
     * The directory object id (a GUID).
     *
     * @example
     * ctx.log.info("entra user", { id: user.id });
     */
    id: string;
    /**
     * The userPrincipalName (sign-in name).
     *
     * @example
     * return ctx.ok(`disabled ${user.user_principal_name}`);
     */
    user_principal_name: string;
    /**
     * The mail address, when set.
     *
     * @example
     * const address = user.mail ?? user.user_principal_name;
     */
    mail: string | null;
    /**
     * The display name.
     *
     * @example
     * ctx.log.info("user", { name: user.display_name });
     */
    display_name: string | null;
    /**
     * Whether the account may sign in (after an action, the value it set).
     *
     * @example
     * if (user.account_enabled === false) return ctx.ok("already disabled");
     */
    account_enabled: boolean | null;
  }

  /**
   * One authentication method of an Entra user.
   *
   * @example
   * for (const m of result.removed) ctx.log.info("removed", { type: m.type });
   */
  export interface AuthenticationMethodRef {
    /**
     * The Graph type without its namespace, e.g. `phoneAuthenticationMethod`.
     *
     * @example
     * const phones = result.removed.filter((m) => m.type === "phoneAuthenticationMethod");
     */
    type: string;
    /**
     * The method's id.
     *
     * @example
     * ctx.log.info("method", { id: method.id });
     */
    id: string;
  }

  /**
   * What `entra.forceMfaReregistration` returns.
   *
   * @example
   * const { removed, kept } = await entra.forceMfaReregistration(upn);
   */
  export interface EntraMfaReset {
    /**
     * The user.
     *
     * @example
     * return ctx.ok(`MFA reset for ${reset.user.user_principal_name}`);
     */
    user: EntraUser;
    /**
     * The methods deleted.
     *
     * @example
     * ctx.log.info("removed methods", { count: reset.removed.length });
     */
    removed: AuthenticationMethodRef[];
    /**
     * Methods left in place and why (the password, or types Graph cannot delete).
     *
     * @example
     * for (const m of reset.kept) ctx.log.info("kept", { type: m.type, reason: m.reason });
     */
    kept: Array<AuthenticationMethodRef & { reason: string }>;
  }

  /**
   * The Microsoft Entra ID client (`ctx.integrations.entra`): Microsoft Graph v1.0 with an app
   * registration's client-credentials token (cached until shortly before it expires; a 401 with an
   * expired token fetches a new one once). Every `user` argument may be the object id, the
   * userPrincipalName or the mail address; a user that cannot be found rejects with `NOT_FOUND`.
   *
   * @example
   * const entra = ctx.integrations.entra;
   * if (!entra) return ctx.fail("Entra is not configured");
   * await entra.revokeSessions(ctx.indicator.value);
   */
  export interface EntraClient {
    /**
     * Looks a user up by object id or UPN (`GET /v1.0/users/{id}`), then by mail (`$filter`).
     * `null` when there is none; rejects with `AMBIGUOUS_USER` when several share the mail.
     *
     * @example
     * const user = await entra.findUser("jdoe@contoso.com");
     */
    findUser(user: string): Promise<EntraUser | null>;
    /**
     * Invalidates the user's refresh tokens and session cookies
     * (`POST /v1.0/users/{id}/revokeSignInSessions`); apps must sign the user in again.
     *
     * @example
     * await entra.revokeSessions("jdoe@contoso.com");
     */
    revokeSessions(user: string): Promise<EntraUser>;
    /**
     * Blocks sign-in (`PATCH /v1.0/users/{id}` with `accountEnabled: false`).
     *
     * @example
     * const user = await entra.disableAccount("jdoe@contoso.com");
     */
    disableAccount(user: string): Promise<EntraUser>;
    /**
     * Allows sign-in again (`PATCH /v1.0/users/{id}` with `accountEnabled: true`).
     *
     * @example
     * await entra.enableAccount("jdoe@contoso.com");
     */
    enableAccount(user: string): Promise<EntraUser>;
    /**
     * Deletes every registered authentication method but the password (authenticator app, phone,
     * FIDO2 key, OATH token, email, Temporary Access Pass, Windows Hello), so the user must
     * register MFA again at the next sign-in.
     *
     * @example
     * const reset = await entra.forceMfaReregistration("jdoe@contoso.com");
     */
    forceMfaReregistration(user: string): Promise<EntraMfaReset>;
    /**
     * Checks that a token can be had and Graph answers (`GET /v1.0/users?$top=1`).
     *
     * @example
     * ctx.log.info(await entra.checkConnection());
     */
    checkConnection(): Promise<string>;
  }

  // ─── Context and result ────────────────────────────────────────────────────────────────────

  /**
   * `ctx.step`: named, recorded steps, and `ctx.step.skip` for the ones that did not need to run.
   *
   * @example
   * const user = await ctx.step("find user", () => okta.findUser(ctx.indicator.value));
   */
  export interface StepFunction {
    /**
     * Runs `fn` as a named, recorded step: its start, end, duration, failure and what it returned
     * (the step's output, capped at 64 KB and redacted like results) are kept with the run, and log
     * lines written inside it carry the step's name. Returns what `fn` returns; an error thrown by
     * `fn` is recorded and re-thrown.
     *
     * @example
     * const user = await ctx.step("find user", async () => {
     *   const res = await ctx.http.get(`https://idp.example.com/api/users/${ctx.indicator.value}`);
     *   return res.json<{ id: string }>();
     * });
     */
    <T>(name: string, fn: () => Promise<T> | T): Promise<T>;
    /**
     * Records a step that did not need to run, with why, so the run's steps tell the whole story.
     *
     * @example
     * if (user.status === "SUSPENDED") ctx.step.skip("suspend user", "already suspended");
     */
    skip(name: string, reason?: string): void;
  }

  /**
   * Everything a workflow can see and do: the argument of `run(ctx)`.
   *
   * @example
   * export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
   *   ctx.log.info("hello", { indicator: ctx.indicator.value });
   *   return ctx.ok("done");
   * }
   */
  export interface WorkflowContext {
    /**
     * The indicator the run was triggered with. A `scheduled` workflow's runs have none: there it
     * is `null` (the schedule's `context` is `ctx.input`), so such a workflow checks it first.
     *
     * @example
     * const { type, value } = ctx.indicator;
     */
    readonly indicator: Indicator;
    /**
     * The alert the run is about, or `null` when the caller sent none.
     *
     * @example
     * if (ctx.alert === null) return ctx.fail("this workflow needs an alert");
     */
    readonly alert: Alert | null;
    /**
     * The caller's free-form `context` JSON (may be `null`). Check its shape before using it.
     *
     * @example
     * const input = (ctx.input ?? {}) as { duration_hours?: number };
     * const hours = typeof input.duration_hours === "number" ? input.duration_hours : 24;
     */
    readonly input: unknown;
    /**
     * Facts about this run: id, workflow, trigger, test mode.
     *
     * @example
     * if (ctx.run.test) ctx.log.debug("mocked run");
     */
    readonly run: RunInfo;
    /**
     * Outbound HTTP through Vigil's egress policy (the only network access).
     *
     * @example
     * const res = await ctx.http.get("https://api.example.com/v1/status");
     */
    readonly http: HttpClient;
    /**
     * The run log.
     *
     * @example
     * ctx.log.info("blocked", { ip: ctx.indicator.value });
     */
    readonly log: Logger;
    /**
     * The workflow's declared secrets.
     *
     * @example
     * const token = ctx.secrets.get("SLACK_SIGNING_SECRET");
     */
    readonly secrets: Secrets;
    /**
     * Typed identity-provider clients (Okta, Entra); each `null` until configured.
     *
     * @example
     * const okta = ctx.integrations.okta;
     * if (!okta) return ctx.fail("Okta is not configured");
     */
    readonly integrations: Integrations;
    /**
     * Runs a named, recorded step (see StepFunction): its status, duration and output are kept as
     * one of the run's `steps`; `ctx.step.skip(name, reason)` records one that did not need to run.
     *
     * @example
     * const user = await ctx.step("find user", async () => (await ctx.http.get(url)).json<{ id: string }>());
     */
    readonly step: StepFunction;
    /**
     * Waits `ms` milliseconds (counts against the run's wall-clock timeout, not its CPU time).
     * Use this instead of `setTimeout`.
     *
     * @example
     * await ctx.sleep(2_000); // back off before retrying
     */
    sleep(ms: number): Promise<void>;
    /**
     * Builds a successful result. Return it from `run`.
     *
     * @example
     * return ctx.ok("IP blocked", { rule_id: rule.id });
     */
    ok(message: string, data?: unknown): WorkflowResult;
    /**
     * Builds a failed result. Return it from `run`.
     *
     * @example
     * return ctx.fail(`firewall answered ${res.status}`, { body: res.text().slice(0, 500) });
     */
    fail(message: string, data?: unknown): WorkflowResult;
  }

  /**
   * What `run` returns: build it with `ctx.ok(...)` or `ctx.fail(...)`. The result is stored with the
   * run (at most 1 MB once serialized). A thrown error, a timeout or a hit limit becomes a failed
   * result with a message saying what happened.
   *
   * @example
   * return ctx.ok("user suspended", { user_id: user.id });
   */
  export interface WorkflowResult {
    /**
     * Whether the workflow did what it was asked to (`true` from `ctx.ok`, `false` from `ctx.fail`).
     *
     * @example
     * const result = ctx.ok("done"); // result.success === true
     */
    success: boolean;
    /**
     * One line for the analyst (and the agent) saying what happened.
     *
     * @example
     * return ctx.fail(`firewall answered ${res.status}`); // the message
     */
    message: string;
    /**
     * Structured details (JSON-serializable), or `null`.
     *
     * @example
     * return ctx.ok("blocked", { ip, rule_id: rule.id }); // the data
     */
    data: unknown;
  }

  /**
   * The signature every workflow exports as `run`.
   *
   * @example
   * export const run: WorkflowFunction = async (ctx) => ctx.ok("done");
   */
  export type WorkflowFunction = (ctx: WorkflowContext) => Promise<WorkflowResult>;

  // ─── Standard library ──────────────────────────────────────────────────────────────────────

  /**
   * Output encoding of the hash helpers: `"hex"` (default, lower case) or `"base64"`.
   *
   * @example
   * const b64 = sha256(body, "base64");
   */
  export type DigestEncoding = "hex" | "base64";

  /**
   * Algorithms accepted by `hmac`.
   *
   * @example
   * const algorithm: HmacAlgorithm = "sha256";
   */
  export type HmacAlgorithm = "sha1" | "sha256" | "sha512" | "md5";

  /**
   * SHA-1 digest of a string (UTF-8) or bytes.
   *
   * @example
   * sha1("abc"); // "a9993e364706816aba3e25717850c26c9cd0d89d"
   */
  export function sha1(data: string | Uint8Array, encoding?: DigestEncoding): string;
  /**
   * SHA-256 digest of a string (UTF-8) or bytes.
   *
   * @example
   * const digest = sha256(ctx.indicator.value); // 64 hex characters
   */
  export function sha256(data: string | Uint8Array, encoding?: DigestEncoding): string;
  /**
   * SHA-512 digest of a string (UTF-8) or bytes.
   *
   * @example
   * const digest = sha512(payload, "base64");
   */
  export function sha512(data: string | Uint8Array, encoding?: DigestEncoding): string;
  /**
   * MD5 digest of a string (UTF-8) or bytes (for APIs that want it; not for security).
   *
   * @example
   * md5("abc"); // "900150983cd24fb0d6963f7d28e17f72"
   */
  export function md5(data: string | Uint8Array, encoding?: DigestEncoding): string;
  /**
   * HMAC of `data` with `key` (strings are UTF-8), e.g. to sign a webhook body.
   *
   * @example
   * const signature = "v0=" + hmac("sha256", signingSecret, `v0:${timestamp}:${body}`);
   */
  export function hmac(
    algorithm: HmacAlgorithm,
    key: string | Uint8Array,
    data: string | Uint8Array,
    encoding?: DigestEncoding,
  ): string;
  /**
   * Base64 of a string (UTF-8) or bytes.
   *
   * @example
   * const basic = "Basic " + base64Encode(`${user}:${password}`);
   */
  export function base64Encode(data: string | Uint8Array): string;
  /**
   * Decodes base64 (standard or URL-safe alphabet) to a UTF-8 string.
   *
   * @example
   * base64Decode("aGVsbG8="); // "hello"
   */
  export function base64Decode(b64: string): string;
  /**
   * Decodes base64 (standard or URL-safe alphabet) to bytes.
   *
   * @example
   * const bytes = base64DecodeBytes(res.json().content);
   */
  export function base64DecodeBytes(b64: string): Uint8Array;
  /**
   * Lower-case hex of a string (UTF-8) or bytes.
   *
   * @example
   * hexEncode("hi"); // "6869"
   */
  export function hexEncode(data: string | Uint8Array): string;
  /**
   * Decodes hex to bytes. Throws on an odd length or a non-hex character.
   *
   * @example
   * const key = hexDecode(ctx.secrets.get("WEBHOOK_KEY_HEX") ?? "");
   */
  export function hexDecode(hex: string): Uint8Array;
  /**
   * A random UUID (version 4), e.g. for an idempotency key.
   *
   * @example
   * headers: { "idempotency-key": uuid() }
   */
  export function uuid(): string;

  /**
   * A parsed URL (WHATWG). Also available as the global `URL`.
   *
   * @example
   * const host = new URL(ctx.indicator.value).hostname;
   */
  export interface URL {
    /** The whole URL, e.g. `"https://example.com:8443/a?b=1#c"`. */
    href: string;
    /** Scheme, host and port, e.g. `"https://example.com:8443"`. */
    readonly origin: string;
    /** The scheme with its colon, e.g. `"https:"`. */
    protocol: string;
    /** The user name, if the URL has one. */
    username: string;
    /** The password, if the URL has one. */
    password: string;
    /** Host name and port, e.g. `"example.com:8443"`. */
    host: string;
    /** Host name only, e.g. `"example.com"`. */
    hostname: string;
    /** The port, or `""` for the scheme's default. */
    port: string;
    /** The path, e.g. `"/a"`. */
    pathname: string;
    /** The query with its `?`, or `""`. */
    search: string;
    /**
     * The query parameters, live.
     *
     * @example
     * url.searchParams.set("page", "2");
     */
    readonly searchParams: URLSearchParams;
    /** The fragment with its `#`, or `""`. */
    hash: string;
    /** The same as `href`. */
    toString(): string;
    /** The same as `href`. */
    toJSON(): string;
  }
  /**
   * Parses a URL; throws a `TypeError` if it is not valid.
   *
   * @example
   * const url = new URL("/v1/items", "https://api.example.com"); // https://api.example.com/v1/items
   * if (!URL.canParse(ctx.indicator.value)) return ctx.fail("not a URL");
   */
  export const URL: {
    new (url: string | URL, base?: string | URL): URL;
    readonly prototype: URL;
    /** Whether `new URL(url, base)` would succeed. */
    canParse(url: string | URL, base?: string | URL): boolean;
  };

  /**
   * A URL query string. Also available as the global `URLSearchParams`.
   *
   * @example
   * const query = new URLSearchParams({ ip: ctx.indicator.value, limit: "10" }).toString();
   */
  export interface URLSearchParams {
    /** How many name/value pairs there are. */
    readonly size: number;
    /** Adds a value (keeps existing ones with the same name). */
    append(name: string, value: string): void;
    /** Removes every value with this name. */
    delete(name: string): void;
    /** The first value with this name, or `null`. */
    get(name: string): string | null;
    /** Every value with this name. */
    getAll(name: string): string[];
    /** Whether the name is present. */
    has(name: string): boolean;
    /** Replaces every value with this name by one value. */
    set(name: string, value: string): void;
    /** Sorts the pairs by name. */
    sort(): void;
    /** Calls `fn` for each pair. */
    forEach(fn: (value: string, name: string, params: URLSearchParams) => void): void;
    /** The names, in order. */
    keys(): IterableIterator<string>;
    /** The values, in order. */
    values(): IterableIterator<string>;
    /** The `[name, value]` pairs, in order. */
    entries(): IterableIterator<[string, string]>;
    [Symbol.iterator](): IterableIterator<[string, string]>;
    /** The encoded query, without `?`, e.g. `"ip=203.0.113.7&limit=10"`. */
    toString(): string;
  }
  /**
   * Builds query parameters from a string, an object or pairs.
   *
   * @example
   * const params = new URLSearchParams("a=1&b=2");
   */
  export const URLSearchParams: {
    new (init?: string | Record<string, string> | [string, string][] | URLSearchParams): URLSearchParams;
    readonly prototype: URLSearchParams;
  };

  /**
   * Encodes strings as UTF-8 bytes. Also available as the global `TextEncoder`.
   *
   * @example
   * const bytes = new TextEncoder().encode("héllo");
   */
  export interface TextEncoder {
    /** Always `"utf-8"`. */
    readonly encoding: string;
    /** The UTF-8 bytes of `input`. */
    encode(input?: string): Uint8Array;
  }
  /**
   * Creates a UTF-8 encoder.
   *
   * @example
   * const encoder = new TextEncoder();
   */
  export const TextEncoder: {
    new (): TextEncoder;
    readonly prototype: TextEncoder;
  };

  /**
   * Decodes bytes to a string. Also available as the global `TextDecoder`.
   *
   * @example
   * const text = new TextDecoder().decode(base64DecodeBytes(payload));
   */
  export interface TextDecoder {
    /** The encoding's name, e.g. `"utf-8"`. */
    readonly encoding: string;
    /** Whether invalid input throws instead of becoming U+FFFD. */
    readonly fatal: boolean;
    /** The string the bytes encode. */
    decode(input?: Uint8Array | ArrayBuffer): string;
  }
  /**
   * Creates a decoder (UTF-8 unless `label` names another supported encoding).
   *
   * @example
   * const decoder = new TextDecoder("utf-8", { fatal: true });
   */
  export const TextDecoder: {
    new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): TextDecoder;
    readonly prototype: TextDecoder;
  };
}
