import type { FastifyInstance } from 'fastify';
import {
  GenerateBody,
  GenerateResult,
  LlmSettingsPut,
  LlmSettingsView,
  One,
  errorResponses,
} from '../../../../shared/api/index.ts';
import { DomainError } from '../../errors.ts';
import type { GenerateProgress, GenerationService } from '../../llm/index.ts';
import { httpError } from '../errors.ts';
import { openEventStream } from '../sse.ts';


const GENERATE_DESCRIPTION = `Writes a workflow from a description with the configured LLM, then lints it, type-checks it against
vigil.d.ts and runs it once in the sandbox in test mode against the model's own suggested mocks; problems go
back to the model (at most 3 answers). Nothing is saved. What still fails is listed in \`warnings\`.

**Plain JSON** (default): 200 \`{data: {generated_code, suggested_name, suggested_documentation, suggested_secrets,
suggested_allowed_hosts, suggested_mocks, suggested_test_input, warnings, attempts, checks, provider, model}, meta: {}}\`.

**Streaming progress**: send \`Accept: text/event-stream\`. Errors found before generation starts (401, 403, 422,
400 \`LLM_NOT_CONFIGURED\`, 503 \`KEYCHAIN_UNAVAILABLE\`) are ordinary JSON responses. Otherwise the answer is 200
\`text/event-stream\` with these events:
- \`progress\`: \`{stage, attempt, max_attempts, message, elapsed_ms, received_chars?, problems?}\`; stage is one of
  requesting, receiving, linting, type_checking, testing, repairing, done.
- \`result\`: the same object as \`data\` above; the stream then ends.
- \`error\`: \`{status, error: {code, message, details}}\` (the status the JSON form would have had); the stream then ends.
Comment lines (\`: keep-alive\`) arrive every 15 s.

**Cancel**: close the connection (abort the fetch). The model request and the test run in flight are aborted.

Errors: 400 \`LLM_NOT_CONFIGURED\`; 502 \`LLM_UNAVAILABLE\` with the provider's message, also on timeout
(\`details.reason\`: provider_error, network, timeout, invalid_answer); 422 \`LLM_REFUSED\` when the model declines.`;

/** `POST /v1/workflows/generate` and `GET|PUT /v1/settings/llm`. */
export function generateRoutes(generation: GenerationService, log: { error(message: string): void }) {
  return async function generate(app: FastifyInstance) {
    app.post<{ Body: GenerateBody }>(
      '/v1/workflows/generate',
      {
        config: { scopes: ['workflows:write'] },
        schema: {
          tags: ['workflows'],
          summary: 'Generate workflow code with an LLM (nothing is saved)',
          description: GENERATE_DESCRIPTION,
          body: GenerateBody,
          response: {
            200: {
              description: 'The generated workflow; with `Accept: text/event-stream`, progress events and then the same result.',
              content: {
                'application/json': { schema: One(GenerateResult) },
                'text/event-stream': { schema: { type: 'string', description: 'Events progress, result and error (see above).' } },
              },
            },
            ...errorResponses(502, 503),
          },
        },
      },
      async (request, reply) => {
        // Refusals before generation starts (not configured, keychain unavailable) are plain JSON answers.
        const generator = await generation.prepare(request.caller.id);
        const controller = new AbortController();
        // The response's 'close' before it finished = the client went away: stop paying for tokens.
        const onClose = () => {
          if (!reply.raw.writableFinished) controller.abort();
        };
        reply.raw.on('close', onClose);

        if (!(request.headers.accept ?? '').includes('text/event-stream')) {
          try {
            return { data: await generator.run(request.body, { signal: controller.signal }), meta: {} };
          } finally {
            reply.raw.off('close', onClose);
          }
        }
        const events = openEventStream(reply, ': generating\n\n');
        try {
          const result = await generator.run(request.body, {
            signal: controller.signal,
            onProgress: (event: GenerateProgress) => events.send('progress', event),
          });
          events.send('result', result);
        } catch (error) {
          // Nobody is listening any more once the client has gone.
          if (!controller.signal.aborted) events.send('error', streamError(error, log));
        } finally {
          events.end();
        }
      },
    );

    app.get(
      '/v1/settings/llm',
      {
        config: { scopes: ['admin'] },
        schema: {
          tags: ['settings'],
          summary: 'Read the code generation settings (never the API key)',
          response: { 200: One(LlmSettingsView), ...errorResponses() },
        },
      },
      async () => ({ data: generation.settings(), meta: {} }),
    );

    app.put<{ Body: LlmSettingsPut }>(
      '/v1/settings/llm',
      {
        config: { scopes: ['admin'] },
        schema: {
          tags: ['settings'],
          summary: 'Replace the code generation settings; the API key goes to the OS keychain',
          description:
            'Fields left out return to their defaults, except `api_key`: absent keeps the stored key, null deletes it. ' +
            'The answer is the same as GET: `api_key_set` says whether a key is stored, the key itself is never returned.',
          body: LlmSettingsPut,
          response: { 200: One(LlmSettingsView), ...errorResponses(502, 503) },
        },
      },
      async (request) => ({ data: await generation.updateSettings(request.body), meta: {} }),
    );
  };
}

/** A failure once the stream has begun: the status and envelope the JSON form would have answered. */
function streamError(error: unknown, log: { error(message: string): void }) {
  if (error instanceof DomainError) {
    const { status, body } = httpError(error);
    return { status, ...body };
  }
  // The reply is hijacked, so Fastify's error handler cannot log this one.
  log.error(`API POST /v1/workflows/generate failed: ${(error as Error)?.stack ?? String(error)}`);
  return { status: 500, error: { code: 'INTERNAL_ERROR', message: 'Vigil failed to generate the workflow; see its log.', details: null } };
}
