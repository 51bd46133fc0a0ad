// The prompt and the checks, through the room's door with a recording provider: which examples go
// into the prompt, what the type check accepts, and how cancellation ends a generation.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LlmError, loadGenerator, type LlmProvider, type TestExecutor } from '../../../src/main/engine/llm/index.ts';
import { answer, GOOD_CODE } from './fixtures.ts';

const { findMaterialRoot, generateWorkflow, loadPromptMaterial } = await loadGenerator();

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A provider that records what it was sent and answers from a list. */
function recordingProvider(answers: unknown[]): LlmProvider & { systems: string[] } {
  const systems: string[] = [];
  let n = 0;
  return {
    name: 'anthropic',
    model: 'test-model',
    answerChannel: 'tool',
    systems,
    async complete(request) {
      systems.push(request.system);
      const value = answers[Math.min(n, answers.length - 1)];
      n++;
      return { kind: 'answer', callId: `call_${n}`, raw: JSON.stringify(value), value };
    },
  };
}

/** Test runs always succeed here: these tests are about the prompt and the static checks. */
const passingExecutor: TestExecutor = {
  async run() {
    return { status: 'success', result: { success: true, message: 'ok', data: null }, error: null, logs: [], httpCalls: [], durationMs: 1 };
  },
};

function materialRoot(examples: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'vigil-prompt-'));
  dirs.push(root);
  mkdirSync(join(root, 'src', 'shared'), { recursive: true });
  cpSync(join(ROOT, 'src', 'shared', 'vigil.d.ts'), join(root, 'src', 'shared', 'vigil.d.ts'));
  mkdirSync(join(root, 'examples'));
  for (const [file, text] of Object.entries(examples)) writeFileSync(join(root, 'examples', file), text);
  return root;
}

describe('prompt material', () => {
  it('finds the real vigil.d.ts from the source tree', () => {
    expect(findMaterialRoot()).toBe(ROOT);
    expect(loadPromptMaterial().vigilDts).toBe(readFileSync(join(ROOT, 'src', 'shared', 'vigil.d.ts'), 'utf8'));
  });

  it('puts the three examples closest to the request into the prompt, with their mocks', async () => {
    const example = (topic: string) => `// ${topic}\nexport async function run(ctx) { return ctx.ok("${topic}"); }\n`;
    const root = materialRoot({
      'a-slack-notify.ts': example('post a message to a slack webhook'),
      'b-firewall-block.ts': example('block an address on the firewall'),
      'b-firewall-block.mocks.json': '{"responses": [{"method": "POST", "url": "https://fw.example.com/*", "status": 200}]}',
      'c-open-ticket.ts': example('open a ticket in the tracker'),
      'd-intel-lookup.ts': example('look up the indicator on a threat intel api'),
      'notes.md': 'not an example',
    });
    const material = loadPromptMaterial(root);
    expect(material.examples.map((e) => e.name)).toEqual(['a-slack-notify', 'b-firewall-block', 'c-open-ticket', 'd-intel-lookup']);
    const provider = recordingProvider([answer(GOOD_CODE)]);
    await generateWorkflow(
      { description: 'Block the attacker address on the firewall, then open a ticket' },
      { provider, timeoutMs: 5_000, executor: passingExecutor, material },
    );
    const system = provider.systems[0]!;
    const shown = [...system.matchAll(/^### ([a-z-]+)\.ts$/gm)].map((match) => match[1]);
    expect(shown).toEqual(['b-firewall-block', 'c-open-ticket', 'a-slack-notify']);
    expect(system).toContain('Mocks for its test run (b-firewall-block.mocks.json):');
    expect(system).toContain('"url": "https://fw.example.com/*"');
  });
});

describe('checks of an answer', () => {
  const material = loadPromptMaterial();

  it('type-checks the sandbox globals and the "vigil" helpers, and refuses Node and DOM names', async () => {
    const code = `import type { WorkflowContext, WorkflowResult } from "vigil";
import { sha256, uuid } from "vigil";

export async function run(ctx: WorkflowContext): Promise<WorkflowResult> {
  const url = new URL("https://intel.example.com/v1/lookup");
  url.searchParams.set("q", sha256(ctx.indicator.value));
  const body = new TextEncoder().encode(uuid());
  const res = await ctx.http.get(url.href, { headers: { "x-request-bytes": String(body.length) } });
  return res.ok ? ctx.ok("looked up", res.json()) : ctx.fail(\`intel answered \${res.status}\`);
}
`;
    const clean = await generateWorkflow(
      { description: 'look up' },
      { provider: recordingProvider([answer(code, { allowed_hosts: ['intel.example.com'], secrets: [] })]), timeoutMs: 5_000, executor: passingExecutor, material, maxAttempts: 1 },
    );
    expect(clean.warnings).toEqual([]);
    expect(clean.checks).toEqual({ lint: 'passed', typecheck: 'passed', test: 'passed' });

    const nodeish = code.replace('const body = new TextEncoder().encode(uuid());', 'const body = Buffer.from(uuid()); document.title = "x";');
    const flagged = await generateWorkflow(
      { description: 'look up' },
      { provider: recordingProvider([answer(nodeish, { allowed_hosts: ['intel.example.com'], secrets: [] })]), timeoutMs: 5_000, executor: passingExecutor, material, maxAttempts: 1 },
    );
    const typeErrors = flagged.warnings.filter((w) => w.source === 'typescript').map((w) => w.message);
    expect(typeErrors).toEqual([
      expect.stringMatching(/^Cannot find name 'Buffer'\. Workflows run in Vigil's sandbox/),
      expect.stringMatching(/^Cannot find name 'document'\. Workflows run in Vigil's sandbox/),
    ]);
    expect(flagged.checks.typecheck).toBe('failed');
  });

  it('reports answer fields that could not be saved as given', async () => {
    const result = await generateWorkflow(
      { description: 'x', indicator_types: ['domain'] },
      {
        provider: recordingProvider([
          answer(GOOD_CODE, { secrets: ['FIREWALL_API_TOKEN', 'bad name'], allowed_hosts: ['https://fw.example.com/api'], name: '', test_input: { indicator_type: 'ip', indicator_value: '1.2.3.4' } }),
        ]),
        timeoutMs: 5_000,
        executor: passingExecutor,
        material,
        maxAttempts: 1,
      },
    );
    expect(result.warnings.filter((w) => w.source === 'answer').map((w) => w.message)).toEqual([
      '`name` is missing: give the workflow a short name.',
      'secret name "bad name" is not valid: use letters, digits and underscores, starting with a letter (e.g. API_TOKEN).',
      'allowed_hosts entry "https://fw.example.com/api" is not a host name: give host names only (api.example.com), no scheme or path.',
      'test_input.indicator_type must be one the workflow accepts: domain.',
    ]);
    expect(result.suggested_secrets).toEqual(['FIREWALL_API_TOKEN']);
    expect(result.suggested_allowed_hosts).toEqual([]);
    expect(result.suggested_test_input.indicator_type).toBe('domain');
  });

  it('rejects with GENERATION_CANCELLED when the caller aborts, and stops asking the model', async () => {
    const controller = new AbortController();
    let calls = 0;
    const provider: LlmProvider = {
      name: 'openai_compatible',
      model: 'slow',
      answerChannel: 'json',
      complete(request) {
        calls++;
        return new Promise((_resolve, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason)));
      },
    };
    const pending = generateWorkflow({ description: 'x' }, { provider, timeoutMs: 60_000, executor: passingExecutor, material }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'GENERATION_CANCELLED' });
    expect(calls).toBe(1);
  });
});
