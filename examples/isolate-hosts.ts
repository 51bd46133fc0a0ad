// Network-contain endpoints on the EDR, given by the caller in `context` (ctx.input), or the
// alert's host when the caller names none. Authenticates with OAuth2 client credentials.
//
// Indicator types: any (the hosts come from the input or the alert)
// Secrets:         EDR_CLIENT_ID, EDR_CLIENT_SECRET
// Allowed hosts:   api.edr.example.com
// Input:           {"hosts": ["WS-0142", "LT-SEC-7"], "reason": "ransomware beacon"}
// Test:            npx vigil test examples/isolate-hosts.ts --indicator ip:198.51.100.23 --input '{"hosts":["WS-0142","LT-SEC-7"],"reason":"ransomware beacon"}' --mocks examples/isolate-hosts.mocks.json --secret EDR_CLIENT_ID=test-id --secret EDR_CLIENT_SECRET=test-secret
import type { WorkflowContext, WorkflowResult } from "vigil";

const EDR = "https://api.edr.example.com";
const MAX_HOSTS = 25;
const HOSTNAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/;

interface Request {
  hosts: string[];
  reason: string;
}

/** Checks the caller's input; returns what is wrong instead of throwing. */
function parseInput(input: unknown, alertHost: unknown): Request | string {
  const raw = (input ?? {}) as { hosts?: unknown; reason?: unknown };
  const hosts = raw.hosts ?? (typeof alertHost === "string" ? [alertHost] : undefined);
  if (!Array.isArray(hosts) || hosts.length === 0) return 'context.hosts must be a non-empty list of host names, e.g. {"hosts": ["WS-0142"]}';
  if (hosts.length > MAX_HOSTS) return `at most ${MAX_HOSTS} hosts per run (got ${hosts.length})`;
  const bad = hosts.filter((host) => typeof host !== "string" || !HOSTNAME.test(host));
  if (bad.length > 0) return `not host names: ${bad.map((host) => JSON.stringify(host)).join(", ")}`;
  const reason = typeof raw.reason === "string" && raw.reason.trim() ? raw.reason.trim().slice(0, 200) : "contained by Vigil";
  return { hosts: [...new Set(hosts as string[])], reason };
}

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const request = parseInput(ctx.input, ctx.alert?.fields?.["hostname"]);
  if (typeof request === "string") return ctx.fail(`Bad input: ${request}`);

  const clientId = ctx.secrets.get("EDR_CLIENT_ID");
  const clientSecret = ctx.secrets.get("EDR_CLIENT_SECRET");
  if (!clientId || !clientSecret) return ctx.fail("EDR_CLIENT_ID and EDR_CLIENT_SECRET must both be set under Settings → Secrets");

  const auth = await ctx.http.post(`${EDR}/oauth2/token`, {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret }).toString(),
  });
  if (!auth.ok) return ctx.fail(`EDR authentication failed with HTTP ${auth.status}`);
  const headers = { authorization: `Bearer ${auth.json<{ access_token: string }>().access_token}` };

  // Resolve host names to device ids, four lookups at a time (the run allows 8 calls in flight).
  const ids = new Map<string, string>();
  const missing: string[] = [];
  for (let i = 0; i < request.hosts.length; i += 4) {
    const batch = request.hosts.slice(i, i + 4);
    const answers = await Promise.all(
      batch.map((host) =>
        ctx.http.get(`${EDR}/devices/queries/devices/v1`, { headers, query: { filter: `hostname:'${host}'`, limit: 1 } }),
      ),
    );
    answers.forEach((res, index) => {
      const host = batch[index]!;
      const id = res.ok ? res.json<{ resources: string[] }>().resources[0] : undefined;
      if (id) ids.set(host, id);
      else missing.push(host);
    });
  }
  if (ids.size === 0) return ctx.fail(`None of the hosts is known to the EDR: ${missing.join(", ")}`);

  const contain = await ctx.http.post(`${EDR}/devices/entities/devices-actions/v2`, {
    headers,
    query: { action_name: "contain" },
    json: { ids: [...ids.values()], action_parameters: [{ name: "comment", value: request.reason }] },
  });
  if (!contain.ok) {
    ctx.log.error("containment refused", { status: contain.status, body: contain.text().slice(0, 500) });
    return ctx.fail(`The EDR refused the containment (HTTP ${contain.status})`);
  }
  const contained = [...ids.keys()];
  ctx.log.info("contained", { hosts: contained, missing });
  const message = `Contained ${contained.length} host(s): ${contained.join(", ")}${missing.length ? `; not found: ${missing.join(", ")}` : ""}`;
  return ctx.ok(message, { contained, missing, device_ids: Object.fromEntries(ids) });
}
