// A real HTTP server on 127.0.0.1 that speaks the Anthropic Messages API (POST /v1/messages, plain
// and streamed, tool_use blocks, refusals, the documented error body) and the OpenAI
// chat-completions API (POST /v1/chat/completions, plain and streamed, tool_calls or JSON content).
// It replays a script of replies, one per request, and records every request it received.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply =
  /** The structured answer: a tool call (Anthropic, OpenAI with tools) or JSON content (OpenAI json_schema). */
  | { kind: 'answer'; value: unknown }
  /** Plain text, no tool call. */
  | { kind: 'text'; text: string }
  /** Anthropic: stop_reason "refusal" with stop_details; OpenAI: message.refusal. */
  | { kind: 'refusal'; explanation: string; category?: string }
  /** An HTTP error with the vendor's error body. */
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> }
  /** Accept the request and never answer. */
  | { kind: 'hang' };

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** Set when the client closed the connection before the stub answered. */
  aborted: boolean;
}

export interface LlmStub {
  /** Root URL: Anthropic's base URL (the SDK appends /v1/messages). */
  url: string;
  /** OpenAI-compatible base URL (…/v1). */
  openaiUrl: string;
  requests: ReceivedRequest[];
  /** Replaces the queue of replies; each request takes the next one (the last one repeats). */
  script(...replies: Reply[]): void;
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const CHUNK = 40;

function chunks(text: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += CHUNK) parts.push(text.slice(i, i + CHUNK));
  return parts.length > 0 ? parts : [''];
}

function sse(res: ServerResponse, event: string | null, data: unknown): void {
  res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

export async function startLlmStub(): Promise<LlmStub> {
  let queue: Reply[] = [];
  const requests: ReceivedRequest[] = [];
  const waiters: Array<() => void> = [];
  let counter = 0;
  const hanging = new Set<ServerResponse>();

  const next = (): Reply => (queue.length > 1 ? queue.shift()! : (queue[0] ?? { kind: 'error', status: 500, type: 'api_error', message: 'stub: no reply scripted' }));

  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const record: ReceivedRequest = { path: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : null, aborted: false };
      requests.push(record);
      res.on('close', () => {
        if (!res.writableFinished) record.aborted = true;
      });
      for (const wake of waiters.splice(0)) wake();
      const reply = next();
      counter++;
      if (reply.kind === 'hang') {
        hanging.add(res);
        return;
      }
      if (req.url === '/v1/messages') anthropic(record.body, reply, res, counter);
      else if (req.url === '/v1/chat/completions') openai(record.body, reply, res, counter);
      else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `stub: no route ${req.url}` } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    openaiUrl: `${url}/v1`,
    requests,
    script(...replies) {
      queue = replies;
      requests.length = 0;
      counter = 0;
    },
    async waitForRequests(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`stub: ${requests.length} of ${count} requests arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ─── Anthropic Messages API ────────────────────────────────────────────────────────────────────

function anthropic(body: any, reply: Reply, res: ServerResponse, n: number): void {
  const requestId = `req_stub${n}`;
  if (reply.kind === 'error') {
    res.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': requestId, ...reply.headers });
    res.end(JSON.stringify({ type: 'error', error: { type: reply.type, message: reply.message }, request_id: requestId }));
    return;
  }
  const toolName: string = body.tools?.[0]?.name ?? 'tool';
  const base = {
    id: `msg_stub${n}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    stop_sequence: null,
    usage: { input_tokens: 1000, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
  let content: any[];
  let stopReason: string;
  let stopDetails: unknown = null;
  if (reply.kind === 'answer') {
    content = [{ type: 'tool_use', id: `toolu_stub${n}`, name: toolName, input: reply.value }];
    stopReason = 'tool_use';
  } else if (reply.kind === 'text') {
    content = [{ type: 'text', text: reply.text }];
    stopReason = 'end_turn';
  } else if (reply.kind === 'refusal') {
    content = [];
    stopReason = 'refusal';
    stopDetails = { type: 'refusal', category: reply.category ?? 'cyber', explanation: reply.explanation };
  } else {
    return; // 'hang' never gets here.
  }

  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId });
    res.end(JSON.stringify({ ...base, content, stop_reason: stopReason, stop_details: stopDetails }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': requestId });
  sse(res, 'message_start', { type: 'message_start', message: { ...base, content: [], stop_reason: null, stop_details: null } });
  content.forEach((block, index) => {
    if (block.type === 'tool_use') {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { ...block, input: {} } });
      for (const part of chunks(JSON.stringify(block.input))) {
        sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part } });
      }
    } else {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '', citations: null } });
      for (const part of chunks(block.text)) {
        sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: part } });
      }
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
  });
  sse(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null, stop_details: stopDetails, container: null },
    usage: { output_tokens: 500 },
  });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

// ─── OpenAI chat completions ───────────────────────────────────────────────────────────────────

function openai(body: any, reply: Reply, res: ServerResponse, n: number): void {
  if (reply.kind === 'error') {
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify({ error: { message: reply.message, type: reply.type, code: null } }));
    return;
  }
  const toolName: string | undefined = body.tools?.[0]?.function?.name;
  const message: any = { role: 'assistant', content: null };
  let finish = 'stop';
  if (reply.kind === 'answer' && toolName) {
    message.tool_calls = [{ id: `call_stub${n}`, type: 'function', function: { name: toolName, arguments: JSON.stringify(reply.value) } }];
    finish = 'tool_calls';
  } else if (reply.kind === 'answer') {
    message.content = JSON.stringify(reply.value);
  } else if (reply.kind === 'text') {
    message.content = reply.text;
  } else if (reply.kind === 'refusal') {
    message.refusal = reply.explanation;
  }
  const base = { id: `chatcmpl-stub${n}`, created: Math.floor(Date.now() / 1000), model: body.model };

  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finish }] }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: unknown, finishReason: string | null = null) =>
    sse(res, null, { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finishReason }] });
  chunk({ role: 'assistant', content: '' });
  if (message.tool_calls) {
    const call = message.tool_calls[0];
    chunk({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
    for (const part of chunks(call.function.arguments)) chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] });
  } else if (message.refusal) {
    chunk({ refusal: message.refusal });
  } else {
    for (const part of chunks(message.content)) chunk({ content: part });
  }
  chunk({}, finish);
  sse(res, null, '[DONE]');
  res.end();
}
