import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient, GENERATE_IDLE_MS } from '../../src/renderer/api/client.ts';
import { interpretGenerateMessage, readGenerateStream } from '../../src/renderer/api/generate.ts';
import type { GenerateProgress, GenerateResult } from '../../src/renderer/api/types.ts';

const RESULT: GenerateResult = {
  generated_code: 'export async function run(ctx) { return ctx.ok("x"); }\n',
  suggested_name: 'Block IP',
  suggested_documentation: 'Blocks it.',
  suggested_secrets: ['FW_TOKEN'],
  suggested_allowed_hosts: ['fw.example.com'],
  suggested_mocks: { responses: [] },
  suggested_test_input: { indicator_type: 'ip', indicator_value: '203.0.113.7', context: null, alert: null },
  warnings: [{ source: 'lint', severity: 'warning', message: 'unused', rule: 'no-unused', line: 3, column: 5 }],
  attempts: 2,
  checks: { lint: 'failed', typecheck: 'passed', test: 'passed' },
  provider: 'openai_compatible',
  model: 'stub-coder',
};

const progress = (stage: GenerateProgress['stage'], extra: Partial<GenerateProgress> = {}): GenerateProgress => ({
  stage,
  attempt: 1,
  max_attempts: 3,
  message: stage,
  elapsed_ms: 10,
  ...extra,
});

/** What the server writes: a comment first, events separated by blank lines, keep-alives between. */
function serverText(events: Array<[string, unknown]>): string {
  let text = ': generating\n\n';
  for (const [event, data] of events) text += `event: ${event}\ndata: ${JSON.stringify(data)}\n\n: keep-alive\n\n`;
  return text;
}

function streamOf(chunks: string[], { close = true } = {}): ReadableStream<Uint8Array<ArrayBuffer>> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk) as Uint8Array<ArrayBuffer>);
      if (close) controller.close();
    },
  });
}

function splitEvery(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts;
}

describe('generation stream', () => {
  it('reports progress and resolves with the result, however the chunks are cut', async () => {
    const text = serverText([
      ['progress', progress('requesting')],
      ['progress', progress('receiving', { received_chars: 120 })],
      ['progress', progress('repairing', { problems: [{ source: 'lint', severity: 'error', message: 'no require', line: 1 }] })],
      ['result', RESULT],
    ]);
    for (const size of [1, 7, 64, text.length]) {
      const seen: GenerateProgress[] = [];
      let activity = 0;
      const outcome = await readGenerateStream(streamOf(splitEvery(text, size)), (p) => seen.push(p), () => activity++);
      expect(outcome).toEqual({ kind: 'result', result: RESULT });
      expect(seen.map((p) => p.stage)).toEqual(['requesting', 'receiving', 'repairing']);
      expect(seen[1]!.received_chars).toBe(120);
      expect(seen[2]!.problems?.[0]?.message).toBe('no require');
      expect(activity).toBeGreaterThan(0);
    }
  });

  it('turns an error event into the status and envelope the JSON form would have had', async () => {
    const text = serverText([
      ['progress', progress('requesting')],
      ['error', { status: 502, error: { code: 'LLM_UNAVAILABLE', message: 'The model server failed: overloaded', details: { reason: 'provider_error' } } }],
    ]);
    expect(await readGenerateStream(streamOf([text]), () => undefined)).toEqual({
      kind: 'error',
      status: 502,
      code: 'LLM_UNAVAILABLE',
      message: 'The model server failed: overloaded',
      details: { reason: 'provider_error' },
    });
  });

  it('says when the stream ends without an answer, and skips what it cannot read', async () => {
    const seen: GenerateProgress[] = [];
    const text = 'event: progress\ndata: {not json\n\nevent: progress\ndata: {"stage":"dreaming","attempt":1}\n\nevent: novelty\ndata: {}\n\n';
    expect(await readGenerateStream(streamOf([text]), (p) => seen.push(p))).toEqual({ kind: 'ended' });
    expect(seen).toEqual([]);
    expect(interpretGenerateMessage({ id: null, event: 'result', data: '{"generated_code": 1}' }, () => undefined)).toMatchObject({
      kind: 'error',
      code: 'INVALID_RESPONSE',
    });
  });
});

describe('client.workflows.generate', () => {
  const connection = { baseUrl: 'http://127.0.0.1:1/', token: 'vgl_test' };
  const sse = (text: string | ReadableStream<Uint8Array<ArrayBuffer>>) =>
    new Response(typeof text === 'string' ? streamOf([text]) : text, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });

  it('asks for the event stream with the bearer key and returns the result', async () => {
    const requests: Array<{ url: string; init: RequestInit }> = [];
    const client = createApiClient(connection, {
      fetch: (async (url: string, init: RequestInit) => {
        requests.push({ url, init });
        return sse(serverText([['progress', progress('linting')], ['result', RESULT]]));
      }) as typeof fetch,
    });
    const stages: string[] = [];
    const result = await client.workflows.generate({ description: 'block it' }, { onProgress: (p) => stages.push(p.stage) });
    expect(result).toEqual(RESULT);
    expect(stages).toEqual(['linting']);
    expect(requests[0]!.url).toBe('http://127.0.0.1:1/v1/workflows/generate');
    expect(requests[0]!.init.method).toBe('POST');
    expect(requests[0]!.init.headers).toMatchObject({ authorization: 'Bearer vgl_test', accept: 'text/event-stream' });
    expect(JSON.parse(String(requests[0]!.init.body))).toEqual({ description: 'block it' });
  });

  it('rejects with the JSON error sent before the stream (not configured), and a 401 ends the session', async () => {
    const envelope = (status: number, code: string, message: string) =>
      new Response(JSON.stringify({ error: { code, message, details: { missing: ['provider'] } } }), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    let answer = envelope(400, 'LLM_NOT_CONFIGURED', 'No LLM provider is configured.');
    const unauthorized = vi.fn();
    const client = createApiClient(connection, { fetch: (async () => answer) as unknown as typeof fetch, onUnauthorized: unauthorized });
    const error = await client.workflows.generate({ description: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'LLM_NOT_CONFIGURED', details: { missing: ['provider'] } });
    expect(unauthorized).not.toHaveBeenCalled();

    answer = envelope(401, 'UNAUTHORIZED', 'The key was revoked.');
    await expect(client.workflows.generate({ description: 'x' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(unauthorized).toHaveBeenCalledOnce();
  });

  it('rejects with the error event as an ApiError, and with STREAM_ENDED when the stream stops short', async () => {
    let text = serverText([['error', { status: 422, error: { code: 'LLM_REFUSED', message: 'The model declined.', details: { provider: 'anthropic' } } }]]);
    const client = createApiClient(connection, { fetch: (async () => sse(text)) as unknown as typeof fetch });
    await expect(client.workflows.generate({ description: 'x' })).rejects.toMatchObject({ status: 422, code: 'LLM_REFUSED', message: 'The model declined.' });
    text = serverText([['progress', progress('requesting')]]);
    await expect(client.workflows.generate({ description: 'x' })).rejects.toMatchObject({ code: 'STREAM_ENDED' });
  });

  it('takes a plain JSON answer too (something dropped the Accept header)', async () => {
    const client = createApiClient(connection, {
      fetch: (async () => new Response(JSON.stringify({ data: RESULT, meta: {} }), { headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch,
    });
    expect(await client.workflows.generate({ description: 'x' })).toEqual(RESULT);
  });

  it('cancels by aborting the request: the fetch sees the signal and the caller an AbortError', async () => {
    let seenSignal: AbortSignal | undefined;
    const client = createApiClient(connection, {
      fetch: (async (_url: string, init: RequestInit) => {
        seenSignal = init.signal ?? undefined;
        // A stream that stays open (the model is thinking) and errors when the request is aborted.
        const body = new ReadableStream<Uint8Array<ArrayBuffer>>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(': generating\n\n') as Uint8Array<ArrayBuffer>);
            init.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
          },
        });
        return sse(body);
      }) as typeof fetch,
    });
    const controller = new AbortController();
    const pending = client.workflows.generate({ description: 'x' }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(seenSignal?.aborted).toBe(true);
  });

  it('gives up on a stream that stays silent past three heartbeats', async () => {
    vi.useFakeTimers();
    try {
      const client = createApiClient(connection, {
        fetch: (async (_url: string, init: RequestInit) =>
          sse(
            new ReadableStream({
              start(controller) {
                init.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
              },
            }),
          )) as typeof fetch,
      });
      const pending = client.workflows.generate({ description: 'x' });
      const outcome = pending.catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(GENERATE_IDLE_MS + 10);
      expect(await outcome).toMatchObject({ code: 'STREAM_STALLED' });
    } finally {
      vi.useRealTimers();
    }
  });
});
