// Settings → Integrations → Test connection: a one-off run in the real sandbox that calls the
// client's checkConnection(), so the test goes through exactly the path workflows use (broker,
// egress policy, retries, token cache) and the credentials stay out of the engine's own HTTP.
import { randomUUID } from 'node:crypto';
import type { IntegrationName, RunIntegrations } from '../../sandbox/index.ts';
import type { ConnectionTest } from '../../../shared/integrations.ts';
import type { RunExecutor } from '../runs/scheduler.ts';

export type { ConnectionTest };

const CHECK_CODE = (name: IntegrationName) => `export async function run(ctx) {
  const client = ctx.integrations.${name};
  if (!client) return ctx.fail("not configured", { code: "NOT_CONFIGURED" });
  try {
    return ctx.ok(await client.checkConnection());
  } catch (e) {
    return ctx.fail(e.message, { code: e.code || "INTERNAL_ERROR" });
  }
}`;

export async function testIntegration(executor: RunExecutor, name: IntegrationName, integrations: RunIntegrations): Promise<ConnectionTest> {
  const outcome = await executor.run({
    runId: randomUUID(),
    workflow: { uuid: '00000000-0000-4000-8000-000000000000', name: `${name} connection test`, version: 1 },
    trigger: 'human',
    code: CHECK_CODE(name),
    input: { indicator: { type: 'account', value: 'connection-test', malice: null, enrichment: null }, alert: null, alert_uuid: null, context: null },
    secrets: {},
    declaredSecrets: [],
    allowedHosts: [],
    timeoutMs: 30_000,
    integrations: { okta: name === 'okta' ? integrations.okta : null, entra: name === 'entra' ? integrations.entra : null },
  });
  const data = outcome.result?.data as { code?: unknown } | null | undefined;
  return {
    ok: outcome.status === 'success',
    message: outcome.result?.message ?? outcome.error ?? outcome.status,
    code: outcome.status === 'success' ? null : typeof data?.code === 'string' ? data.code : 'INTERNAL_ERROR',
    duration_ms: Math.round(outcome.durationMs),
    http_calls: outcome.httpCalls.map(({ method, url, status, ms, error }) => ({ method, url, status, ms, error })),
  };
}
