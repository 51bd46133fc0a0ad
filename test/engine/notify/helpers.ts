// Shared steps of the notifier tests: a gated workflow, an approval, and reading what the notifiers
// recorded on it, all through the public API.
import { expect } from 'vitest';
import { eventually, TRIVIAL_WORKFLOW, type TestServer } from '../../helpers/server.ts';

export const FAILING_WORKFLOW = `import type { WorkflowContext } from "vigil";
export async function run(ctx: WorkflowContext) {
  return ctx.fail("upstream said no");
}
`;

export async function createWorkflow(t: TestServer, fields: Record<string, unknown> = {}): Promise<string> {
  const res = await t.request('POST', '/v1/workflows', {
    body: { name: `notify wf ${Math.random().toString(36).slice(2, 8)}`, code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'always', risk_level: 'high', ...fields },
  });
  expect(res.status).toBe(201);
  return res.body.data.uuid;
}

/** An agent asks to run the workflow; the gate answers pending_approval. */
export async function requestApproval(
  t: TestServer,
  workflowUuid: string,
  body: Record<string, unknown> = {},
): Promise<string> {
  const res = await t.request('POST', `/v1/workflows/${workflowUuid}/execute`, {
    key: t.keys.agent,
    body: { indicator_type: 'ip', indicator_value: '203.0.113.7', reason: 'seen in phishing', confidence: 0.87, ...body },
  });
  expect(res.status).toBe(202);
  expect(res.body.data.status).toBe('pending_approval');
  return res.body.data.approval_request_uuid;
}

export async function getApproval(t: TestServer, uuid: string): Promise<any> {
  const res = await t.request('GET', `/v1/workflow-approvals/${uuid}`);
  expect(res.status).toBe(200);
  return res.body.data;
}

const FINAL = ['sent', 'failed', 'skipped'];

/** Waits until a notifier's delivery on the approval is final and returns its record. */
export function notifierEntry(t: TestServer, uuid: string, notifier: string, action: 'request' | 'update' = 'request'): Promise<any> {
  return eventually(async () => {
    const approval = await getApproval(t, uuid);
    const entry = approval.notifier_info.find((e: any) => e.notifier === notifier && e.action === action);
    return entry && FINAL.includes(entry.status) ? entry : null;
  }, `${notifier} ${action} on approval ${uuid} to finish`);
}

export async function putNotifiers(t: TestServer, body: unknown, expected = 200): Promise<any> {
  const res = await t.request('PUT', '/v1/settings/notifiers', { body });
  expect(res.status, JSON.stringify(res.body)).toBe(expected);
  return res.body;
}

export const FAST_RETRY = { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 40 } };
