// Code generation from the console (issue: LLM code generation, "Console"), in Chromium against a
// real `vigil serve` whose LLM provider is a stub OpenAI-compatible chat-completions server on
// 127.0.0.1 started here: it replays scripted answers in the shape the engine's provider reads
// (`response_format: json_schema` → the answer's JSON as streamed `content` deltas), and records
// every request, including whether the client dropped it.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWorkflow, expect, INTEL_WORKFLOW, openSignedIn, screenshot, test, type VigilServer } from './vigil.ts';
import type { Page } from '@playwright/test';
// The engine suite's scripted answers: a workflow that passes every check, and one defect each.
import { GOOD_CODE, REQUIRE_CODE, TYPE_ERROR_CODE } from '../../test/engine/llm/fixtures.ts';

type Reply =
  | { kind: 'answer'; value: unknown; hold?: Promise<void> }
  | { kind: 'error'; status: number; message: string }
  /** Accept the request and never answer (a model thinking for ever). */
  | { kind: 'hang' };

interface Received {
  body: { model: string; messages: Array<{ role: string; content: string | null }> };
  authorization: string | undefined;
  /** The client closed the connection before the stub answered. */
  aborted: boolean;
}

interface ModelStub {
  baseUrl: string;
  requests: Received[];
  script(...replies: Reply[]): void;
  close(): Promise<void>;
}

async function startModelStub(): Promise<ModelStub> {
  let queue: Reply[] = [];
  const requests: Received[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const record: Received = { body: JSON.parse(raw), authorization: req.headers.authorization, aborted: false };
      requests.push(record);
      open.add(res);
      res.on('close', () => {
        open.delete(res);
        if (!res.writableFinished) record.aborted = true;
      });
      const reply = queue.shift() ?? { kind: 'error', status: 500, message: 'stub: no answer scripted' };
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `stub: no route ${req.url}` } }));
        return;
      }
      if (reply.kind === 'hang') return;
      if (reply.kind === 'error') {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: reply.message, type: 'server_error', code: null } }));
        return;
      }
      void (reply.hold ?? Promise.resolve()).then(() => streamAnswer(res, record.body.model, JSON.stringify(reply.value), requests.length));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script(...replies) {
      queue = replies;
      requests.length = 0;
    },
    async close() {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A streamed chat completion whose content is `text`, in 40-character deltas. */
function streamAnswer(res: ServerResponse, model: string, text: string, n: number): void {
  if (res.destroyed) return;
  const base = { id: `chatcmpl-stub${n}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model };
  const chunk = (delta: unknown, finish: string | null = null) =>
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  chunk({ role: 'assistant', content: '' });
  for (let i = 0; i < text.length; i += 40) chunk({ content: text.slice(i, i + 40) });
  chunk({}, 'stop');
  res.end('data: [DONE]\n\n');
}

// ─── Scripted workflows ────────────────────────────────────────────────────────────────────────

/** What the refinement asked for: a log line before the call. */
const REFINED_CODE = GOOD_CODE.replace(
  '  const res = await ctx.http.post',
  '  ctx.log.info("asking the firewall to block", { ip: ctx.indicator.value });\n  const res = await ctx.http.post',
);

function answer(code: string) {
  return {
    kind: 'answer' as const,
    value: {
      name: 'Block IP on the firewall',
      code,
      documentation: 'Blocks the IP indicator on the perimeter firewall.\n\nNeeds the secret `FIREWALL_API_TOKEN`.',
      secrets: ['FIREWALL_API_TOKEN'],
      allowed_hosts: ['fw.example.com'],
      mocks: { responses: [{ method: 'POST', url: 'https://fw.example.com/api/v1/block', status: 200, json: { rule_id: 'r-42' } }] },
      test_input: { indicator_type: 'ip', indicator_value: '198.51.100.23', context: null, alert: null },
    },
  };
}

/** A promise the test resolves when it has seen what it wants to see while the model "thinks". */
function gate(): { hold: Promise<void>; release(): void } {
  let release = () => undefined as void;
  const hold = new Promise<void>((resolve) => (release = resolve));
  return { hold, release };
}

let model: ModelStub;

test.beforeAll(async () => {
  model = await startModelStub();
});
test.afterAll(async () => {
  await model.close();
});

async function useStubProvider(vigil: VigilServer): Promise<void> {
  const res = await vigil.api('PUT', '/v1/settings/llm', { provider: 'openai_compatible', base_url: model.baseUrl, model: 'stub-coder', api_key: null });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const dialog = (page: Page) => page.getByRole('dialog', { name: 'Generate workflow' });
const codeLines = (page: Page) => page.getByRole('region', { name: 'Workflow code' }).locator('.view-lines');

async function describeAndGenerate(page: Page, description: string): Promise<void> {
  await dialog(page).getByLabel('Description').fill(description);
  await dialog(page).getByRole('button', { name: 'Generate code' }).click();
}

// ─── Tests ─────────────────────────────────────────────────────────────────────────────────────

test('without a provider, Generate says so and links to the LLM settings', async ({ page, vigil, consoleErrors }) => {
  expect((await vigil.api('PUT', '/v1/settings/llm', { provider: null })).status).toBe(200);
  await openSignedIn(page, vigil);
  await page.getByRole('button', { name: 'New with AI' }).click();
  await expect(page).toHaveURL(/#\/workflows\/new$/);
  await describeAndGenerate(page, 'Block the IP on the firewall');

  const failure = dialog(page).getByRole('alert');
  await expect(failure).toContainText('Code generation is not set up yet.');
  await expect(failure).toContainText('No LLM provider is configured');
  await screenshot(page, 'generate-not-configured');
  await failure.getByRole('link', { name: 'Settings → Code generation' }).click();

  await expect(page).toHaveURL(/#\/settings\/llm$/);
  await expect(dialog(page)).toHaveCount(0);
  const form = page.getByRole('form', { name: 'Code generation' });
  await expect(form.getByLabel('Provider')).toBeFocused();
  await expect(form.getByRole('heading')).toContainText('off');
  // The browser logs the 400 answer itself; nothing else may have gone wrong.
  expect(consoleErrors.filter((message) => !message.includes('status of 400'))).toEqual([]);
});

test('set up in Settings, a new workflow is generated with a repair, refined once, and applied only on accept', async ({
  page,
  vigil,
  consoleErrors,
}) => {
  // Three model rounds, each linted, type-checked and run in the sandbox.
  test.slow();
  // From nothing: no provider and no key stored for this one.
  await vigil.api('PUT', '/v1/settings/llm', { provider: 'openai_compatible', base_url: model.baseUrl, model: 'stub-coder', api_key: null });
  await vigil.api('PUT', '/v1/settings/llm', { provider: null });
  // The provider through the Settings form, with a key that must go to the keychain and never come back.
  const apiKey = 'sk-local-e2e-0123456789';
  await openSignedIn(page, vigil, '#/settings');
  const settings = page.getByRole('form', { name: 'Code generation' });
  await settings.getByLabel('Provider').selectOption('openai_compatible');
  await settings.getByLabel('Model').fill('stub-coder');
  await settings.getByLabel('Base URL').fill(`${model.baseUrl}/`);
  await settings.getByLabel('API key').fill(apiKey);
  await settings.getByRole('button', { name: 'Save LLM settings' }).click();
  await expect(settings.getByRole('heading')).toContainText('ready · stub-coder');
  await expect(settings.getByTestId('api-key-status')).toHaveText('set');
  // Write-only: no field holds it, and the API only says that one is stored.
  await expect(settings.getByLabel('API key')).toHaveCount(0);
  expect(await page.content()).not.toContain(apiKey);
  const stored = await vigil.api('GET', '/v1/settings/llm');
  expect(stored.body.data).toMatchObject({ provider: 'openai_compatible', base_url: model.baseUrl, model: 'stub-coder', api_key_set: true });
  expect(JSON.stringify(stored.body)).not.toContain(apiKey);
  await screenshot(page, 'settings-llm');

  // The first answer does not lint; the second is held back until the repair is seen on screen.
  const second = gate();
  const refined = gate();
  model.script(answer(REQUIRE_CODE), { ...answer(GOOD_CODE), hold: second.hold }, { ...answer(REFINED_CODE), hold: refined.hold });

  await page.getByRole('link', { name: 'Workflows' }).click();
  await page.getByRole('button', { name: 'New with AI' }).click();
  await dialog(page).getByRole('checkbox', { name: 'IP', exact: true }).check();
  await describeAndGenerate(page, 'Block the IP indicator on our perimeter firewall with a bearer token.');

  const progress = dialog(page);
  await expect(progress.getByText('Attempt 2 of 3')).toBeVisible();
  const repairing = progress.getByRole('list', { name: 'Problems being repaired' });
  await expect(repairing).toContainText('require');
  await expect(progress.getByRole('list', { name: 'Progress of this attempt' }).locator('[aria-current="step"]')).toContainText('Write');
  await screenshot(page, 'generate-progress');
  second.release();

  // The proposal, side by side with the template the new workflow starts from.
  const review = dialog(page);
  await expect(review.getByRole('list', { name: 'Checks' })).toContainText('Lint: passed');
  await expect(review.getByRole('list', { name: 'Checks' })).toContainText('Test run: passed');
  await expect(review.getByText(/^Written by stub-coder .* in 2 attempts/)).toBeVisible();
  await expect(review.getByRole('heading', { name: 'No problems' })).toBeVisible();
  const diff = review.locator('.generate-diff');
  await expect(diff.locator('.modified .view-lines')).toContainText('fw.example.com/api/v1/block');
  await expect(diff.locator('.original .view-lines')).not.toContainText('fw.example.com');
  const applies = review.getByRole('region', { name: 'When you accept' });
  await expect(applies).toContainText('Name: Block IP on the firewall');
  await expect(applies).toContainText('Allowed hosts, adding: fw.example.com');
  await expect(applies).toContainText('Secrets it may read, adding: FIREWALL_API_TOKEN');
  await screenshot(page, 'generate-review');
  expect(model.requests).toHaveLength(2);
  expect(model.requests[0]!.authorization).toBe(`Bearer ${apiKey}`);
  // The repair request carried the linter's complaint back to the model.
  expect(JSON.stringify(model.requests[1]!.body.messages)).toContain('require');

  // Nothing has reached the workflow behind the dialog yet.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('New workflow');
  await expect(codeLines(page)).not.toContainText('fw.example.com');

  // Refine: the proposal goes back with the instruction.
  await review.getByLabel('What to change').fill('Log before calling the firewall.');
  await review.getByRole('button', { name: 'Refine' }).click();
  await expect(dialog(page).getByText('Refining the proposal')).toBeVisible();
  refined.release();
  await expect(diff.locator('.modified .view-lines')).toContainText('asking the firewall to block');
  expect(model.requests).toHaveLength(3);
  const refineMessages = JSON.stringify(model.requests[2]!.body.messages);
  expect(refineMessages).toContain('Log before calling the firewall.');
  expect(refineMessages).toContain('fw.example.com/api/v1/block');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('New workflow');
  await expect(codeLines(page)).not.toContainText('fw.example.com');

  await review.getByRole('button', { name: 'Accept' }).click();
  await expect(dialog(page)).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Block IP on the firewall');
  await expect(codeLines(page)).toContainText('asking the firewall to block');
  await expect(page.getByText('● unsaved')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Remove fw.example.com' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Remove FIREWALL_API_TOKEN' })).toBeVisible();

  // The test panel has the mocks and input it was tested with: the run passes as it did for the model.
  await page.getByRole('tab', { name: 'Test' }).click();
  await expect(page.getByLabel('Indicator value')).toHaveValue('198.51.100.23');
  await expect(page.locator('.json-host .view-lines')).toContainText('fw.example.com/api/v1/block');
  await page.getByRole('button', { name: 'Run test' }).click();
  const result = page.getByRole('region', { name: 'Test result' });
  await expect(result).toContainText('blocked 198.51.100.23');
  await expect(result.getByRole('list', { name: 'HTTP calls' })).toContainText('https://fw.example.com/api/v1/block');

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  // The saved workflow's own address replaces #/workflows/new once the create has answered.
  await expect(page).toHaveURL(/#\/workflows\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('status').filter({ hasText: 'Saved as version 1' })).toBeVisible();
  const uuid = page.url().split('/').pop()!;
  const saved = (await vigil.api('GET', `/v1/workflows/${uuid}`)).body.data;
  expect(saved).toMatchObject({
    name: 'Block IP on the firewall',
    code: REFINED_CODE,
    indicator_types: ['ip'],
    allowed_hosts: ['fw.example.com'],
    secrets: ['FIREWALL_API_TOKEN'],
  });
  expect(saved.documentation).toContain('perimeter firewall');

  // The key is removed from the same form; a local server needs none, so generation stays ready.
  await page.getByRole('link', { name: 'Settings' }).click();
  await settings.getByRole('button', { name: 'Remove' }).click();
  await settings.getByRole('button', { name: 'Save LLM settings' }).click();
  await expect(settings.getByTestId('api-key-status')).toHaveText('not set');
  await expect(settings.getByRole('heading')).toContainText('ready · stub-coder');
  expect((await vigil.api('GET', '/v1/settings/llm')).body.data.api_key_set).toBe(false);
  expect(consoleErrors).toEqual([]);
});

test('from the editor: warnings when the repair loop gives up, and Discard leaves the workflow as it was', async ({
  page,
  vigil,
  consoleErrors,
}) => {
  test.slow();
  await useStubProvider(vigil);
  model.script(answer(TYPE_ERROR_CODE), answer(TYPE_ERROR_CODE), answer(TYPE_ERROR_CODE));
  const { uuid, name } = await createWorkflow(vigil, { name: 'Intel lookup', code: INTEL_WORKFLOW, indicator_types: ['ip'] });
  await openSignedIn(page, vigil, `#/workflows/${uuid}`);
  await expect(codeLines(page)).toContainText('intel.example.com');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(dialog(page).getByText('The code in the editor goes along as a starting point.')).toBeVisible();
  await describeAndGenerate(page, 'Block the IP on the firewall instead of looking it up.');

  const review = dialog(page);
  await expect(review.getByRole('heading', { name: /unresolved problem/ })).toBeVisible();
  await expect(review.getByRole('list', { name: 'Warnings' })).toContainText('okay');
  await expect(review.getByRole('list', { name: 'Checks' })).toContainText('Type check: failed');
  await expect(review.getByText(/^Written by stub-coder .* in 3 attempts/)).toBeVisible();
  await expect(review.locator('.generate-diff .original .view-lines')).toContainText('intel.example.com');
  // The editor's code went along as the starting point.
  expect(JSON.stringify(model.requests[0]!.body.messages)).toContain('intel.example.com/v1/ip/');
  await screenshot(page, 'generate-warnings');

  await review.getByRole('button', { name: 'Discard' }).click();
  await expect(dialog(page)).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await expect(codeLines(page)).toContainText('intel.example.com');
  await expect(codeLines(page)).not.toContainText('fw.example.com');
  await expect(page.getByText('● unsaved')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Remove fw.example.com' })).toHaveCount(0);
  expect(consoleErrors).toEqual([]);
});

test('Cancel stops the model request on the server; a provider error is shown as unavailable', async ({ page, vigil, consoleErrors }) => {
  await useStubProvider(vigil);
  model.script({ kind: 'hang' }, { kind: 'error', status: 503, message: 'the model is overloaded, try later' });
  await openSignedIn(page, vigil);
  await page.getByRole('button', { name: 'New with AI' }).click();
  await describeAndGenerate(page, 'Block the IP on the firewall.');
  await expect(dialog(page).getByText('Writing the workflow')).toBeVisible();
  await expect.poll(() => model.requests.length).toBe(1);
  await dialog(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog(page).getByText('Cancelled: the request to the model was stopped.')).toBeVisible();
  // Closing the console's request made the engine drop its request to the model.
  await expect.poll(() => model.requests[0]!.aborted).toBe(true);

  await dialog(page).getByRole('button', { name: 'Generate code' }).click();
  const failure = dialog(page).getByRole('alert');
  await expect(failure).toContainText('The generation failed.');
  await expect(failure).toContainText('the model is overloaded, try later');
  await expect(failure.getByRole('link', { name: 'Settings → Code generation' })).toBeVisible();
  // The description is still there to try again.
  await expect(dialog(page).getByLabel('Description')).toHaveValue('Block the IP on the firewall.');
  expect(consoleErrors).toEqual([]);
});
