// The prompt: the real authoring contract (vigil.d.ts verbatim), the lint rules with their bad and
// good examples, the sandbox limits, and two or three example workflows with their mocks. The
// model answers through the structured format (answer.ts), so nothing here asks for code fences.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LINT_RULES } from '../../../shared/lint/rules.ts';
import { DEFAULT_LIMITS } from '../../sandbox/index.ts';
import { findMaterialRoot, VIGIL_DTS } from '../paths.ts';
import { ANSWER_SCHEMA, ANSWER_TOOL_NAME } from './answer.ts';
import type { GenerateRequest, GenerationProblem } from '../../../shared/llm.ts';

export interface ExampleWorkflow {
  /** File name without `.ts`. */
  name: string;
  code: string;
  /** The example's `<name>.mocks.json`, when it has one. */
  mocks: string | null;
}

/** The files the prompt is built from, read from disk for each generation (they are small). */
export interface PromptMaterial {
  vigilDts: string;
  examples: ExampleWorkflow[];
}

const MAX_EXAMPLES = 3;
/** Examples beyond this many characters in total are left out, so the prompt stays affordable. */
const EXAMPLES_BUDGET = 24_000;

export function loadPromptMaterial(root: string = findMaterialRoot()): PromptMaterial {
  const vigilDts = readFileSync(join(root, VIGIL_DTS), 'utf8');
  const examplesDir = join(root, 'examples');
  const examples: ExampleWorkflow[] = [];
  if (existsSync(examplesDir)) {
    for (const file of readdirSync(examplesDir).sort()) {
      if (!file.endsWith('.ts') || file.endsWith('.d.ts') || file.endsWith('.test.ts')) continue;
      const name = file.slice(0, -3);
      const mocksFile = join(examplesDir, `${name}.mocks.json`);
      examples.push({
        name,
        code: readFileSync(join(examplesDir, file), 'utf8'),
        mocks: existsSync(mocksFile) ? readFileSync(mocksFile, 'utf8') : null,
      });
    }
  }
  return { vigilDts, examples };
}

/**
 * The examples that share the most words with the request (a firewall request gets the firewall
 * example), at most three and within the budget; ties keep file order, so prompts are stable.
 */
export function pickExamples(examples: ExampleWorkflow[], request: GenerateRequest): ExampleWorkflow[] {
  const words = new Set(
    `${request.description} ${request.instruction ?? ''}`
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((word) => word.length >= 4),
  );
  const scored = examples.map((example, index) => {
    const text = `${example.name} ${example.code}`.toLowerCase();
    let score = 0;
    for (const word of words) if (text.includes(word)) score++;
    return { example, index, score };
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  const picked: ExampleWorkflow[] = [];
  let used = 0;
  for (const { example } of scored) {
    const size = example.code.length + (example.mocks?.length ?? 0);
    if (picked.length >= 2 && used + size > EXAMPLES_BUDGET) continue;
    picked.push(example);
    used += size;
    if (picked.length === MAX_EXAMPLES) break;
  }
  return picked;
}

function limitsSection(): string {
  const l = DEFAULT_LIMITS;
  const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
  return [
    `- CPU ${l.cpuMs / 1000} s per run; wall clock = the workflow's timeout (use ctx.sleep to wait, never busy loops).`,
    `- ${mb(l.memoryBytes)} memory, ${l.httpCalls} HTTP calls per run with at most ${l.httpInFlight} in flight, ${mb(l.httpBodyBytes)} per body.`,
    `- ${l.logEntries} log entries and ${Math.round(l.logBytes / 1024)} KB of log text, ${mb(l.resultBytes)} result, ${mb(l.sourceBytes)} source.`,
    '- Hitting a limit ends the run as failed (or timed out) with a message naming the limit.',
  ].join('\n');
}

function lintRulesSection(): string {
  return LINT_RULES.map(
    (rule) =>
      `### ${rule.id} (${rule.severity})\n${rule.description}\n\nRefused:\n\`\`\`ts\n${rule.bad.trimEnd()}\n\`\`\`\nAccepted:\n\`\`\`ts\n${rule.good.trimEnd()}\n\`\`\``,
  ).join('\n\n');
}

function examplesSection(examples: ExampleWorkflow[]): string {
  if (examples.length === 0) return '(no examples are installed)';
  return examples
    .map(
      (example) =>
        `### ${example.name}.ts\n\`\`\`ts\n${example.code.trimEnd()}\n\`\`\`` +
        (example.mocks ? `\nMocks for its test run (${example.name}.mocks.json):\n\`\`\`json\n${example.mocks.trimEnd()}\n\`\`\`` : ''),
    )
    .join('\n\n');
}

/** How the model hands in its answer: a forced tool call, or one JSON object as the reply. */
export type AnswerChannel = 'tool' | 'json';

function answerVerb(channel: AnswerChannel): string {
  return channel === 'tool' ? `call the ${ANSWER_TOOL_NAME} tool` : 'reply with one JSON object matching the schema, and nothing else';
}

export function buildSystemPrompt(material: PromptMaterial, request: GenerateRequest, channel: AnswerChannel): string {
  return `You write Vigil workflows. Vigil is a desktop console for SOC analysts: a workflow is a small TypeScript module that responds to a security event (block an IP, look up an indicator, revoke a user's sessions, open a ticket) by calling security APIs. AI agents and analysts trigger workflows with an indicator or an alert; risky runs wait for a human's approval. Workflows run in a sandbox (QuickJS, not Node), so they can use only what the "vigil" module below provides.

# How to write a workflow
- Export exactly \`export async function run(ctx: WorkflowContext): Promise<WorkflowResult>\`. Import types and helpers from "vigil" only; nothing else can be imported.
- Network access is ctx.http only (no fetch, no SDKs). Responses resolve for every status: check \`res.ok\`/\`res.status\` before \`res.json()\`.
- Read credentials with \`ctx.secrets.get("NAME")\` using a string literal, and list every such NAME in \`secrets\`. When a secret is null, \`return ctx.fail("NAME is not set: add it under Settings → Secrets")\`. Never log secrets.
- Use the vendor's documented REST API. List every host the code calls in \`allowed_hosts\`; when the host comes from a secret or ctx.input (a tenant domain, an appliance address), leave \`allowed_hosts\` empty and say so in the documentation.
- Validate inputs (\`ctx.indicator.type\`, the shape of \`ctx.input\`) and end every path with \`return ctx.ok(message, data)\` or \`return ctx.fail(message, data)\`, with messages an analyst understands. Log progress with ctx.log (fields, not string concatenation). Use ctx.step for multi-step flows.
- Keep it short and readable: an analyst reviews every line before activating it.

# Testing
Your code is linted, type-checked against vigil.d.ts and run once offline with \`test_input\`, where every ctx.http call is answered from your \`mocks\` (nothing leaves the machine; an unmatched call fails the run). Write mocks shaped like the real API's successful answers so the test run ends with ctx.ok. Declared secrets hold placeholder values in the test run. If problems are found you get them back and must submit a corrected, complete answer.

# Limits per run
${limitsSection()}

# The "vigil" module (vigil.d.ts, the complete API a workflow can use)
\`\`\`ts
${material.vigilDts.trimEnd()}
\`\`\`

# Lint rules (code breaking an error rule is refused)
${lintRulesSection()}

# Example workflows
${examplesSection(pickExamples(material.examples, request))}

# Your answer
${channel === 'tool' ? `Call the ${ANSWER_TOOL_NAME} tool exactly once` : 'Reply with exactly one JSON object (no prose, no Markdown)'} with every field: name, code, documentation, secrets, allowed_hosts, mocks ({"responses": [...]}) and test_input. Put the complete module in \`code\` as plain TypeScript (no Markdown fences).${
    // A json_schema response format constrains decoding but does not show the model the field
    // descriptions; a tool definition does.
    channel === 'json' ? `\n\nThe JSON schema of your answer:\n\`\`\`json\n${JSON.stringify(ANSWER_SCHEMA, null, 2)}\n\`\`\`` : ''
  }`;
}

export function buildUserMessage(request: GenerateRequest): string {
  const lines: string[] = [];
  const refining = Boolean(request.existing_code && request.instruction);
  if (refining) {
    lines.push(
      'Change this existing workflow as the instruction says, and keep everything the instruction does not ask to change.',
      '',
      `Instruction: ${request.instruction}`,
      '',
      `What the workflow is for: ${request.description}`,
      '',
      'Current code:',
      '```ts',
      request.existing_code!.trimEnd(),
      '```',
    );
  } else {
    lines.push('Write a workflow that does this:', '', request.description);
    if (request.existing_code) {
      lines.push('', 'The editor currently holds this code; reuse what fits:', '```ts', request.existing_code.trimEnd(), '```');
    }
  }
  lines.push('');
  if (request.workflow_type === 'indicator') lines.push('Workflow type: indicator (it acts on ctx.indicator).');
  else if (request.workflow_type === 'alert') lines.push('Workflow type: alert (it acts on ctx.alert; ctx.indicator is also set).');
  else if (request.workflow_type === 'scheduled') {
    lines.push('Workflow type: scheduled (it runs on a schedule and works on ctx.input; ctx.indicator is null in scheduled runs, so check it before use).');
  }
  if (request.indicator_types && request.indicator_types.length > 0) {
    lines.push(`Indicator types it accepts: ${request.indicator_types.join(', ')}. Refuse other types with ctx.fail.`);
  }
  return lines.join('\n').trimEnd();
}

/** One line per problem, with its position, for the model to fix. */
export function formatProblem(problem: GenerationProblem): string {
  const where = problem.line !== undefined ? ` line ${problem.line}${problem.column !== undefined ? `:${problem.column}` : ''}` : '';
  const rule = problem.rule ? ` ${problem.rule}` : '';
  return `[${problem.source}${rule}${problem.severity === 'warning' ? ' warning' : ''}${where}] ${problem.message}`;
}

export function buildFeedback(problems: GenerationProblem[], channel: AnswerChannel): string {
  return [
    `Your answer has ${problems.length} problem${problems.length === 1 ? '' : 's'}. Fix every one, then ${answerVerb(channel)}: the complete corrected answer (all fields, the whole code).`,
    '',
    ...problems.map((problem, index) => `${index + 1}. ${formatProblem(problem)}`),
  ].join('\n');
}
