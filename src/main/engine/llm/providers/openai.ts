// Any OpenAI-compatible chat-completions server (Ollama, LM Studio, vLLM on the workstation: the
// offline option). Plain fetch: the request is one POST and a stream of `data:` lines, which does
// not need a vendor SDK. The structured answer comes through `response_format: json_schema` or a
// forced function call, depending on the setting.
import { unavailable } from '../errors.ts';
import type { StructuredOutputMode } from '../../../../shared/llm.ts';
import type { CompletionRequest, LlmProvider, ProviderAnswer } from './types.ts';

export interface OpenAiCompatibleOptions {
  /** The server's API root, e.g. `http://127.0.0.1:11434/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  /** Local servers usually need none. */
  apiKey: string | null;
  structuredOutput: StructuredOutputMode;
}

type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** What a streamed or whole completion adds up to. */
interface Collected {
  content: string;
  refusal: string;
  toolCalls: Map<number, { id: string; name: string; arguments: string }>;
  finishReason: string | null;
}

export function createOpenAiCompatibleProvider(options: OpenAiCompatibleOptions): LlmProvider {
  const provider = 'openai_compatible';
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;

  return {
    name: provider,
    model: options.model,
    answerChannel: options.structuredOutput === 'tool' ? 'tool' : 'json',
    async complete(request: CompletionRequest): Promise<ProviderAnswer> {
      const body: Record<string, unknown> = {
        model: options.model,
        messages: toMessages(request, options.structuredOutput),
        stream: true,
        // Low temperature: the task is writing code to a contract, not creative writing.
        temperature: 0.2,
      };
      if (options.structuredOutput === 'tool') {
        body.tools = [
          { type: 'function', function: { name: request.toolName, description: request.toolDescription, parameters: request.schema } },
        ];
        body.tool_choice = { type: 'function', function: { name: request.toolName } };
      } else {
        // strict: false, because the mocks carry free-form JSON bodies, which strict schemas forbid;
        // local servers constrain decoding to the schema either way.
        body.response_format = {
          type: 'json_schema',
          json_schema: { name: request.toolName, description: request.toolDescription, schema: request.schema, strict: false },
        };
      }
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream, application/json' };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

      let collected: Collected;
      try {
        const response = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(body), signal: request.signal });
        if (!response.ok) throw await httpError(response, provider);
        const type = response.headers.get('content-type') ?? '';
        // A server that ignores `stream: true` answers one JSON document.
        collected = type.includes('text/event-stream')
          ? await readStream(response, request.onReceived)
          : collectWhole(await response.json());
      } catch (error) {
        if (request.signal.aborted) throw error;
        if ((error as { code?: string }).code === 'LLM_UNAVAILABLE') throw error;
        throw networkError(error, endpoint, provider);
      }
      return interpret(collected, request.toolName, options.structuredOutput);
    },
  };
}

function toMessages(request: CompletionRequest, mode: StructuredOutputMode): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'system', content: request.system }];
  for (const turn of request.turns) {
    if (turn.role === 'user') {
      messages.push({ role: 'user', content: turn.text });
    } else if (turn.role === 'answer') {
      if (mode === 'tool' && turn.callId) {
        messages.push({
          role: 'assistant',
          content: null,
          tool_calls: [{ id: turn.callId, type: 'function', function: { name: request.toolName, arguments: turn.raw } }],
        });
      } else {
        messages.push({ role: 'assistant', content: turn.raw || '(no answer)' });
      }
    } else if (mode === 'tool' && turn.callId) {
      messages.push({ role: 'tool', tool_call_id: turn.callId, content: turn.text });
    } else {
      messages.push({ role: 'user', content: turn.text });
    }
  }
  return messages;
}

async function readStream(response: Response, onReceived: (chars: number) => void): Promise<Collected> {
  const collected: Collected = { content: '', refusal: '', toolCalls: new Map(), finishReason: null };
  if (!response.body) return collected;
  const decoder = new TextDecoder();
  let buffer = '';
  let received = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') return collected;
      let event: StreamChunk;
      try {
        event = JSON.parse(data) as StreamChunk;
      } catch {
        continue; // A keep-alive or a line some server adds; the chunks that matter are JSON.
      }
      if (event.error) throw new StreamError(errorMessageOf(event));
      const added = addChoice(collected, event.choices?.[0]?.delta, event.choices?.[0]?.finish_reason);
      if (added > 0) {
        received += added;
        onReceived(received);
      }
    }
  }
  return collected;
}

interface ChoiceDelta {
  content?: string | null;
  refusal?: string | null;
  tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }>;
}

interface StreamChunk {
  choices?: Array<{ delta?: ChoiceDelta; message?: ChoiceDelta; finish_reason?: string | null }>;
  error?: unknown;
}

/** Merges one delta (or a whole message) into what was collected; returns the characters added. */
function addChoice(collected: Collected, delta: ChoiceDelta | undefined, finishReason: string | null | undefined): number {
  if (finishReason) collected.finishReason = finishReason;
  if (!delta) return 0;
  let added = 0;
  if (typeof delta.content === 'string') {
    collected.content += delta.content;
    added += delta.content.length;
  }
  if (typeof delta.refusal === 'string') collected.refusal += delta.refusal;
  for (const [position, call] of (delta.tool_calls ?? []).entries()) {
    const index = call.index ?? position;
    const current = collected.toolCalls.get(index) ?? { id: '', name: '', arguments: '' };
    if (call.id) current.id = call.id;
    if (call.function?.name) current.name += call.function.name;
    if (call.function?.arguments) {
      current.arguments += call.function.arguments;
      added += call.function.arguments.length;
    }
    collected.toolCalls.set(index, current);
  }
  return added;
}

function collectWhole(json: unknown): Collected {
  const collected: Collected = { content: '', refusal: '', toolCalls: new Map(), finishReason: null };
  const choice = (json as StreamChunk).choices?.[0];
  addChoice(collected, choice?.message, choice?.finish_reason);
  return collected;
}

function interpret(collected: Collected, toolName: string, mode: StructuredOutputMode): ProviderAnswer {
  if (collected.refusal || collected.finishReason === 'content_filter') {
    const reason = collected.refusal.trim() || collected.content.trim();
    return {
      kind: 'refusal',
      category: collected.finishReason === 'content_filter' ? 'content_filter' : null,
      message: reason ? `The model declined to write this workflow: ${reason}` : 'The model declined to write this workflow.',
    };
  }
  const call = [...collected.toolCalls.values()].find((candidate) => candidate.name === toolName) ?? null;
  // A model asked for a function call may still answer the JSON as content (small local models
  // do); the JSON is used either way, never text scraped out of prose or fences.
  const raw = call ? call.arguments : collected.content.trim();
  const callId = call ? call.id || `call_${toolName}` : null;
  if (collected.finishReason === 'length') {
    return { kind: 'unusable', reason: 'The answer was cut off (the server\'s output limit). Write shorter code and documentation.', raw, callId };
  }
  if (!raw) {
    const expected = mode === 'tool' ? `a call of the ${toolName} function` : 'one JSON object matching the schema';
    return { kind: 'unusable', reason: `The answer was empty; it must be ${expected}.`, raw, callId };
  }
  try {
    return { kind: 'answer', callId, raw, value: JSON.parse(raw) };
  } catch (error) {
    const expected = mode === 'tool' ? `the arguments of ${toolName}` : 'the answer';
    return {
      kind: 'unusable',
      reason: `${expected} must be one JSON object matching the schema, with nothing around it; it did not parse (${(error as Error).message}).`,
      raw,
      callId,
    };
  }
}

class StreamError extends Error {}

function errorMessageOf(body: unknown): string {
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return typeof body === 'string' ? body : JSON.stringify(body);
}

async function httpError(response: Response, provider: string) {
  const text = await response.text().catch(() => '');
  let providerMessage = text.trim().slice(0, 2_000);
  try {
    providerMessage = errorMessageOf(JSON.parse(text));
  } catch {
    // Not JSON (a proxy's HTML page, plain text): the text itself is the message.
  }
  providerMessage ||= response.statusText;
  return unavailable(provider, 'provider_error', `The model server answered ${response.status}: ${providerMessage}`, {
    status: response.status,
    provider_message: providerMessage,
  });
}

function networkError(error: unknown, endpoint: string, provider: string) {
  if (error instanceof StreamError) {
    return unavailable(provider, 'provider_error', `The model server reported an error: ${error.message}`, { provider_message: error.message });
  }
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message : (error as Error)?.message ?? String(error);
  return unavailable(provider, 'network', `The model server at ${endpoint} could not be reached or broke off: ${detail}`);
}
