import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { INDICATOR_TYPES, type Scope } from '../../../shared/domain.ts';
import { INDICATOR_RULES_SUMMARY } from '../../../shared/indicators.ts';
import type { ApprovalService } from '../approvals/index.ts';
import type { ApiKey } from '../db/index.ts';
import { DomainError, domainErrorOf } from '../errors.ts';
import { hasScopes, requireScopes } from '../keys/access.ts';
import type { ExecutionService, RunService } from '../runs/index.ts';
import { agentWorkflowView, type WorkflowService } from '../workflows/index.ts';

const MAX_WAIT_SECONDS = 60;

/** What the MCP tools are adapters over: the same services REST uses. */
export interface McpServices {
  workflows: WorkflowService;
  execution: ExecutionService;
  runs: RunService;
  approvals: ApprovalService;
}

function json(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] };
}

/** MCP's one error mapping: the engine's errors as the REST envelope's body, anything else as internal. */
function toolError(error: unknown): CallToolResult {
  const domain = domainErrorOf(error);
  const body = domain
    ? { error: { code: domain.code, message: domain.message, details: domain.details } }
    : { error: { code: 'INTERNAL_ERROR', message: (error as Error).message, details: null } };
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(body, null, 2) }] };
}

/**
 * The MCP server for one caller (API key). Tools go through the same services as REST, with the
 * scopes of the caller's key, so MCP can do nothing REST would refuse. Every execution is an
 * agent's, whatever the key: talking MCP is what agents do, so the gate treats it as one.
 */
export function createMcpServer(services: McpServices, caller: ApiKey): McpServer {
  const { workflows, execution, runs, approvals } = services;
  /** A tool's answer: the scopes checked, then its work's result as JSON, or the error as a tool error. */
  const answer = async (scopes: Scope[], work: () => unknown): Promise<CallToolResult> => {
    try {
      requireScopes(caller, scopes, 'tool');
      return json(await work());
    } catch (error) {
      return toolError(error);
    }
  };
  const server = new McpServer(
    { name: 'vigil', version: '1.0.0' },
    {
      capabilities: { resources: { listChanged: true } },
      instructions:
        'Vigil runs security response workflows on the analyst\'s workstation. Use list_workflows (or the ' +
        'vigil://workflows resource) to find one that fits the indicator, then execute_workflow with a reason ' +
        'and a confidence. Risky workflows wait for a human: you get an approval_request_uuid; call ' +
        'wait_for_run with it to learn the outcome.',
    },
  );

  server.registerResource(
    'workflows',
    'vigil://workflows',
    { title: 'Active workflows', description: 'Every active workflow with its documentation and gate.', mimeType: 'application/json' },
    async (uri) => {
      requireScopes(caller, ['workflows:read'], 'tool');
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(workflows.executable().map(agentWorkflowView), null, 2) }] };
    },
  );

  server.registerResource(
    'workflow',
    new ResourceTemplate('vigil://workflows/{uuid}', {
      list: async () => ({
        resources: hasScopes(caller, ['workflows:read'])
          ? workflows.executable().map((workflow) => ({
              uri: `vigil://workflows/${workflow.uuid}`,
              name: workflow.name,
              description: workflow.documentation.slice(0, 200) || undefined,
              mimeType: 'application/json',
            }))
          : [],
      }),
    }),
    { title: 'Workflow', description: 'One workflow: documentation, indicator types, gate, risk.', mimeType: 'application/json' },
    async (uri, variables) => {
      requireScopes(caller, ['workflows:read'], 'tool');
      const workflow = workflows.find(String(variables.uuid));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(agentWorkflowView(workflow), null, 2) }] };
    },
  );

  server.registerTool(
    'list_workflows',
    {
      title: 'List workflows',
      description:
        'Lists the active workflows you can execute, with what each one does (documentation), which indicator ' +
        'types it accepts, whether a human must approve it (approval_mode) and its risk level. Filter by ' +
        'indicator_type and/or free text. Scheduled workflows also show their schedule, next_run_at and last_scheduled_at.',
      inputSchema: {
        indicator_type: z.enum(INDICATOR_TYPES).optional().describe('Only workflows that accept this indicator type.'),
        text: z.string().max(200).optional().describe('Words to look for in the name, documentation and tags.'),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ indicator_type, text }) =>
      answer(['workflows:read'], () => {
        const matching = workflows
          .executable(text)
          .filter((workflow) => !indicator_type || workflow.indicator_types.length === 0 || workflow.indicator_types.includes(indicator_type));
        return { workflows: matching.map(agentWorkflowView) };
      }),
  );

  server.registerTool(
    'execute_workflow',
    {
      title: 'Execute a workflow',
      description:
        'Runs a workflow for an indicator (scheduled workflows may run without one). Always explain why (reason) and how sure you are (confidence 0..1). ' +
        'Returns either {run_uuid, status:"queued"} or, when a human must approve first, ' +
        '{status:"pending_approval", approval_request_uuid, expires_at}. Then call wait_for_run with the run_uuid ' +
        'or the approval_request_uuid. Pass idempotency_key to make a retry safe (same key + same arguments ' +
        'within 24 h returns the first answer and starts nothing new).',
      inputSchema: {
        workflow_uuid: z.string().uuid().describe('The workflow to run (from list_workflows).'),
        indicator_type: z.enum(INDICATOR_TYPES).optional().describe('Required unless the workflow is scheduled.'),
        indicator_value: z.string().min(1).max(4096).optional().describe(`Required unless the workflow is scheduled. ${INDICATOR_RULES_SUMMARY}`),
        reason: z.string().min(1).max(4000).describe('Why this workflow should run now; shown to the approving analyst.'),
        confidence: z.number().min(0).max(1).describe('Your confidence that the action is right, 0..1.'),
        alert_uuid: z.string().uuid().optional(),
        context: z.record(z.string(), z.unknown()).optional().describe('Extra JSON the workflow reads as ctx.input.'),
        idempotency_key: z.string().min(1).max(255).optional(),
      },
    },
    async ({ workflow_uuid, idempotency_key, ...body }, extra) =>
      answer(['workflows:execute'], async () => {
        // Whoever talks MCP is an agent, whatever its key: the gate and the agent rules apply.
        // A full queue holds the call for a place as it holds a REST execute (a retry under an
        // idempotency key goes straight on, for its stored answer).
        const whenGone = (then: () => void) => (extra.signal.aborted ? then() : extra.signal.addEventListener('abort', then, { once: true }));
        const admitted = idempotency_key === undefined ? await execution.admitBeforeBody(caller, workflow_uuid, whenGone, 'agent') : { reservation: null };
        if ('refusal' in admitted) throw admitted.refusal;
        try {
          const executed = await execution.execute(caller, workflow_uuid, body, {
            idempotencyKey: idempotency_key,
            trigger: 'agent',
            reservation: admitted.reservation ?? undefined,
          });
          return executed.answer.data;
        } finally {
          // A place the call waited for and did not turn into a run goes back.
          admitted.reservation?.cancel();
        }
      }),
  );

  server.registerTool(
    'get_run',
    {
      title: 'Get a run',
      description: 'Status, result, each step (name, status, duration, output, error) and a summary of the logs (levels, HTTP calls, last messages) of one run.',
      inputSchema: { run_uuid: z.string().uuid() },
      annotations: { readOnlyHint: true },
    },
    async ({ run_uuid }) => answer(['workflows:read'], () => runs.summary(caller, run_uuid)),
  );

  server.registerTool(
    'get_approval',
    {
      title: 'Get an approval request',
      description: 'Whether a human approved, rejected or let expire an approval request, and the run once approved.',
      inputSchema: { approval_request_uuid: z.string().uuid() },
      annotations: { readOnlyHint: true },
    },
    // getFor decides: readers, and the key that asked for it.
    async ({ approval_request_uuid }) => answer([], () => approvals.view(approvals.getFor(caller, approval_request_uuid))),
  );

  server.registerTool(
    'wait_for_run',
    {
      title: 'Wait for a run to finish',
      description:
        'Waits (up to timeout_seconds, at most 60) until a run ends and returns it like get_run. Give run_uuid, or ' +
        'approval_request_uuid to wait for the human decision and then the run. If time runs out, returns the ' +
        'current state with done:false: call again to keep waiting.',
      inputSchema: {
        run_uuid: z.string().uuid().optional(),
        approval_request_uuid: z.string().uuid().optional(),
        timeout_seconds: z.number().int().min(1).max(MAX_WAIT_SECONDS).default(30),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ run_uuid, approval_request_uuid, timeout_seconds }) =>
      answer(['workflows:read'], async () => {
        if (!run_uuid === !approval_request_uuid) {
          throw new DomainError('invalid', 'VALIDATION_ERROR', 'Give exactly one of run_uuid or approval_request_uuid.');
        }
        const deadline = Date.now() + timeout_seconds * 1000;
        let runUuid = run_uuid;
        if (approval_request_uuid) {
          await approvals.waitForDecision(caller, approval_request_uuid, deadline - Date.now());
          const approval = approvals.getFor(caller, approval_request_uuid);
          if (!approval.run_uuid) return { done: approval.status !== 'pending', approval: approvals.view(approval), run: null };
          runUuid = approval.run_uuid;
        }
        return runs.waitForEnd(caller, runUuid!, Math.max(0, deadline - Date.now()));
      }),
  );

  server.registerPrompt(
    'respond_to_indicator',
    {
      title: 'Respond to an indicator',
      description: 'How to pick, justify and run a Vigil workflow for an indicator.',
      argsSchema: {
        indicator_type: z.string().describe(`One of ${INDICATOR_TYPES.join(', ')}.`),
        indicator_value: z.string(),
        situation: z.string().optional().describe('What you know: the alert, evidence, what the user asked.'),
      },
    },
    ({ indicator_type, indicator_value, situation }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: [
              `You are responding to the ${indicator_type} indicator \`${indicator_value}\` with Vigil.`,
              situation ? `What is known: ${situation}` : '',
              '1. Call list_workflows with indicator_type to see what can be done. Read each documentation field.',
              '2. Pick the least drastic workflow that addresses the threat. If none fits, say so and stop.',
              '3. Call execute_workflow with a reason an analyst can judge in ten seconds (evidence, not adjectives)',
              '   and an honest confidence (0..1). Use an idempotency_key derived from the alert so retries are safe.',
              '4. If the answer is pending_approval, a human decides; call wait_for_run with the approval_request_uuid.',
              '   Do not execute the same action again while it is pending.',
              '5. Report the run result (get_run) including failures; never claim an action happened unless the run succeeded.',
            ]
              .filter(Boolean)
              .join('\n'),
          },
        },
      ],
    }),
  );

  return server;
}
