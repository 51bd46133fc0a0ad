import { beforeEach, describe, expect, it } from 'vitest';
import type { GenerateProgress, GenerateRequest, GenerateResult } from '../../src/renderer/api/types.ts';
import { describeChanges, proposedChanges } from '../../src/renderer/lib/generation.ts';
import { isDirty, NEW_WORKFLOW_FIELDS, useEditor } from '../../src/renderer/stores/editor.ts';
import { buildRequest, useGenerate } from '../../src/renderer/stores/generate.ts';
import { apiError, fakeApi, ok } from './helpers.ts';
import { workflow } from './fixtures.ts';

const CODE = 'export async function run(ctx) { return ctx.ok("blocked"); }\n';

function result(overrides: Partial<GenerateResult> = {}): GenerateResult {
  return {
    generated_code: CODE,
    suggested_name: 'Block IP on the firewall',
    suggested_documentation: 'Blocks the IP.',
    suggested_secrets: ['FW_TOKEN'],
    suggested_allowed_hosts: ['fw.example.com'],
    suggested_mocks: { responses: [{ method: 'POST', url: 'https://fw.example.com/block', status: 200, json: { ok: true } }] },
    suggested_test_input: { indicator_type: 'ip', indicator_value: '198.51.100.23', context: { ticket: 7 }, alert: null },
    warnings: [],
    attempts: 1,
    checks: { lint: 'passed', typecheck: 'passed', test: 'passed' },
    provider: 'openai_compatible',
    model: 'stub-coder',
    ...overrides,
  };
}

type Init = { signal?: AbortSignal; onProgress?: (p: GenerateProgress) => void };

/** A generate endpoint the test answers by hand: each call waits until the test resolves or rejects it. */
function pendingGenerations() {
  const calls: Array<{ body: GenerateRequest; init: Init; resolve(r: GenerateResult): void; reject(e: unknown): void }> = [];
  const handler = (body: GenerateRequest, init: Init) =>
    new Promise<GenerateResult>((resolve, reject) => {
      calls.push({ body, init, resolve, reject });
      init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    });
  return { calls, handler };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function openForEditor() {
  const { uuid, draft } = useEditor.getState();
  useGenerate.getState().openFor({
    key: uuid ?? 'new',
    isNew: uuid === null,
    code: draft.code,
    workflowType: draft.workflow_type,
    indicatorTypes: draft.indicator_types,
  });
}

describe('the Generate dialog', () => {
  beforeEach(async () => {
    fakeApi({});
    useGenerate.getState().close();
    useEditor.getState().prepareNew({});
    await useEditor.getState().open(null);
  });

  it('follows progress, shows the proposal, and changes the workflow only on accept', async () => {
    const gen = pendingGenerations();
    fakeApi({ 'workflows.generate': gen.handler });
    openForEditor();
    useGenerate.getState().setForm({ description: '  Block the IP  ', indicatorTypes: ['ip'] });
    const done = useGenerate.getState().generate();
    expect(useGenerate.getState().phase).toBe('running');
    // The new-workflow template is not sent as a starting point.
    expect(gen.calls[0]!.body).toEqual({ description: 'Block the IP', workflow_type: 'indicator', indicator_types: ['ip'] });

    const problem = { source: 'lint' as const, severity: 'error' as const, message: 'no require', line: 1 };
    gen.calls[0]!.init.onProgress!({ stage: 'repairing', attempt: 1, max_attempts: 3, message: 'fixing', elapsed_ms: 5, problems: [problem] });
    gen.calls[0]!.init.onProgress!({ stage: 'receiving', attempt: 2, max_attempts: 3, message: 'receiving', elapsed_ms: 9, received_chars: 400 });
    expect(useGenerate.getState()).toMatchObject({
      progress: { stage: 'receiving', attempt: 2 },
      receivedChars: 400,
      repairing: { attempt: 1, problems: [problem] },
    });

    gen.calls[0]!.resolve(result());
    await done;
    expect(useGenerate.getState().phase).toBe('review');
    expect(useGenerate.getState().result?.generated_code).toBe(CODE);
    expect(useEditor.getState().draft).toEqual(NEW_WORKFLOW_FIELDS);
    expect(isDirty(useEditor.getState())).toBe(false);

    expect(useGenerate.getState().accept()).toBe(true);
    expect(useGenerate.getState().open).toBe(false);
    const { draft, test } = useEditor.getState();
    expect(draft).toMatchObject({
      code: CODE,
      name: 'Block IP on the firewall',
      indicator_types: ['ip'],
      secrets: ['FW_TOKEN'],
      allowed_hosts: ['fw.example.com'],
      documentation: 'Blocks the IP.',
    });
    expect(JSON.parse(test.mocksJson)).toEqual(result().suggested_mocks);
    expect(test).toMatchObject({ indicatorType: 'ip', indicatorValue: '198.51.100.23', alertJson: '' });
    expect(JSON.parse(test.inputJson)).toEqual({ ticket: 7 });
    expect(test.secretValues.FW_TOKEN).toBeTruthy();
    expect(isDirty(useEditor.getState())).toBe(true);
  });

  it('refines the proposal with the instruction and the original description; a failed refinement keeps the proposal', async () => {
    const gen = pendingGenerations();
    fakeApi({ 'workflows.generate': gen.handler });
    openForEditor();
    useGenerate.getState().setForm({ description: 'Block the IP', workflowType: 'alert' });
    const first = useGenerate.getState().generate();
    gen.calls[0]!.resolve(result());
    await first;

    await useGenerate.getState().refine();
    expect(useGenerate.getState().fieldErrors.instruction).toBeTruthy();
    expect(gen.calls).toHaveLength(1);

    useGenerate.getState().setInstruction('Log the rule id.');
    const second = useGenerate.getState().refine();
    expect(gen.calls[1]!.body).toEqual({ description: 'Block the IP', workflow_type: 'alert', existing_code: CODE, instruction: 'Log the rule id.' });
    gen.calls[1]!.reject(apiError(502, 'LLM_UNAVAILABLE', 'The model server answered 529: overloaded', { reason: 'provider_error' }));
    await second;
    expect(useGenerate.getState()).toMatchObject({ phase: 'review', error: { code: 'LLM_UNAVAILABLE', notConfigured: false } });
    expect(useGenerate.getState().result?.generated_code).toBe(CODE);
    // Nothing reached the editor.
    expect(useEditor.getState().draft.code).toBe(NEW_WORKFLOW_FIELDS.code);

    useGenerate.getState().setInstruction('Log the rule id.');
    const third = useGenerate.getState().refine();
    gen.calls[2]!.resolve(result({ generated_code: `${CODE}// refined\n` }));
    await third;
    expect(useGenerate.getState()).toMatchObject({ phase: 'review', error: null, instruction: '' });
    expect(useGenerate.getState().result?.generated_code).toContain('// refined');
  });

  it('cancel aborts the request the server follows, and goes back a step without touching the workflow', async () => {
    const gen = pendingGenerations();
    fakeApi({ 'workflows.generate': gen.handler });
    openForEditor();
    useGenerate.getState().setForm({ description: 'Block the IP' });
    const running = useGenerate.getState().generate();
    useGenerate.getState().cancel();
    expect(gen.calls[0]!.init.signal?.aborted).toBe(true);
    await running;
    expect(useGenerate.getState()).toMatchObject({ phase: 'form', error: null, notice: expect.stringContaining('Cancelled') });
    expect(useGenerate.getState().form.description).toBe('Block the IP');

    // Cancelling a refinement returns to the proposal it started from.
    const again = useGenerate.getState().generate();
    gen.calls[1]!.resolve(result());
    await again;
    useGenerate.getState().setInstruction('Shorter.');
    const refining = useGenerate.getState().refine();
    useGenerate.getState().cancel();
    await refining;
    await settle();
    expect(gen.calls[2]!.init.signal?.aborted).toBe(true);
    expect(useGenerate.getState().phase).toBe('review');

    useGenerate.getState().discard();
    expect(useGenerate.getState().open).toBe(false);
    expect(useEditor.getState().draft).toEqual(NEW_WORKFLOW_FIELDS);
  });

  it('says when no provider is configured, and checks the description before asking', async () => {
    const { calls } = fakeApi({
      'workflows.generate': () => {
        throw apiError(400, 'LLM_NOT_CONFIGURED', 'No LLM provider is configured.', { missing: ['provider'] });
      },
    });
    openForEditor();
    useGenerate.getState().setForm({ description: '   ' });
    await useGenerate.getState().generate();
    expect(useGenerate.getState().fieldErrors.description).toBeTruthy();
    expect(calls).toHaveLength(0);

    useGenerate.getState().setForm({ description: 'Block the IP' });
    await useGenerate.getState().generate();
    expect(useGenerate.getState()).toMatchObject({
      phase: 'form',
      error: { code: 'LLM_NOT_CONFIGURED', notConfigured: true, message: 'No LLM provider is configured.' },
    });
  });

  it('a proposal is not accepted into another workflow than the one it was made for', async () => {
    const gen = pendingGenerations();
    const other = workflow({ name: 'Other', code: 'x' });
    fakeApi({ 'workflows.generate': gen.handler, 'workflows.get': () => ok(other) });
    openForEditor();
    useGenerate.getState().setForm({ description: 'Block the IP' });
    const done = useGenerate.getState().generate();
    gen.calls[0]!.resolve(result());
    await done;
    await useEditor.getState().open(other.uuid);
    expect(useGenerate.getState().accept()).toBe(false);
    expect(useGenerate.getState().error?.code).toBe('STALE');
    expect(useEditor.getState().draft.code).toBe('x');
  });
});

describe('what accepting changes', () => {
  const draft = { ...NEW_WORKFLOW_FIELDS, name: 'Intel lookup', secrets: ['INTEL_KEY'], allowed_hosts: ['intel.example.com'], documentation: 'Mine.' };

  it('merges secrets and hosts instead of replacing them, and keeps an existing name', () => {
    const changes = proposedChanges(draft, result(), { isNew: false, choices: { workflowType: 'indicator', indicatorTypes: [] } });
    expect(changes.fields).toEqual({
      secrets: ['INTEL_KEY', 'FW_TOKEN'],
      allowed_hosts: ['intel.example.com', 'fw.example.com'],
      documentation: 'Blocks the IP.',
    });
    const lines = describeChanges(changes, draft);
    expect(lines).toContain('Secrets it may read, adding: FW_TOKEN');
    expect(lines).toContain('Allowed hosts, adding: fw.example.com');
    expect(lines).toContain('Documentation: replaced by the generated one');
    expect(lines.some((line) => line.startsWith('Name:'))).toBe(false);
  });

  it('sends the editor code along as a starting point, unless it is the new-workflow template', () => {
    expect(buildRequest({ description: 'x', workflowType: null, indicatorTypes: [] }, NEW_WORKFLOW_FIELDS.code)).toEqual({
      description: 'x',
      workflow_type: null,
    });
    expect(buildRequest({ description: 'x', workflowType: 'indicator', indicatorTypes: ['ip'] }, CODE)).toEqual({
      description: 'x',
      workflow_type: 'indicator',
      indicator_types: ['ip'],
      existing_code: CODE,
    });
  });
});
