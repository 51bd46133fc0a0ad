// Anthropic through the official SDK: the answer is a forced tool call whose input is the
// structured workflow, streamed so the console can show that the model is writing.
import Anthropic, { APIError, APIConnectionError } from '@anthropic-ai/sdk';
import { unavailable } from '../errors.ts';
import type { CompletionRequest, LlmProvider, ProviderAnswer, Turn } from './types.ts';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
/** The answer (code, documentation, mocks) stays well under this; more means the model is rambling. */
const MAX_OUTPUT_TOKENS = 16_000;
/**
 * The SDK retries 408/409/429/5xx/529 with backoff (honouring retry-after). Two retries ride out a
 * short overload; the per-request timeout bounds the total wait.
 */
const MAX_RETRIES = 2;

export interface AnthropicOptions {
  apiKey: string;
  model: string;
  /** Null = the official endpoint. Always passed explicitly so ANTHROPIC_BASE_URL is never read. */
  baseUrl: string | null;
}

export function createAnthropicProvider(options: AnthropicOptions): LlmProvider {
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL,
    maxRetries: MAX_RETRIES,
    // The SDK would log retries and errors to the console; the generator reports them itself.
    logLevel: 'off',
    // Telemetry spans would carry prompt content to whatever tracer the host process registered.
    openTelemetry: false,
  });
  const provider = 'anthropic';

  return {
    name: provider,
    model: options.model,
    answerChannel: 'tool',
    async complete(request: CompletionRequest): Promise<ProviderAnswer> {
      let received = 0;
      let message: Anthropic.Message;
      try {
        const stream = client.messages.stream(
          {
            model: options.model,
            max_tokens: MAX_OUTPUT_TOKENS,
            // Cached: the system prompt (ctx types, rules, examples) is the same for every attempt.
            system: [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }],
            tools: [
              {
                name: request.toolName,
                description: request.toolDescription,
                input_schema: request.schema as Anthropic.Tool.InputSchema,
              },
            ],
            tool_choice: { type: 'tool', name: request.toolName },
            messages: toMessages(request.turns, request.toolName),
          },
          // The signal enforces the limit; the SDK's own timeout is a backstop just behind it.
          { signal: request.signal, timeout: request.timeoutMs + 1_000 },
        );
        stream.on('streamEvent', (event) => {
          if (event.type !== 'content_block_delta') return;
          const delta = event.delta;
          if (delta.type === 'input_json_delta') received += delta.partial_json.length;
          else if (delta.type === 'text_delta') received += delta.text.length;
          else return;
          request.onReceived(received);
        });
        message = await stream.finalMessage();
      } catch (error) {
        if (request.signal.aborted) throw error;
        throw describeError(error, provider);
      }
      return interpret(message, request.toolName);
    },
  };
}

function toMessages(turns: Turn[], toolName: string): Anthropic.MessageParam[] {
  return turns.map((turn): Anthropic.MessageParam => {
    switch (turn.role) {
      case 'user':
        return { role: 'user', content: turn.text };
      case 'answer':
        return turn.callId
          ? { role: 'assistant', content: [{ type: 'tool_use', id: turn.callId, name: toolName, input: turn.value ?? {} }] }
          : { role: 'assistant', content: turn.raw || '(no answer)' };
      case 'feedback':
        return turn.callId
          ? { role: 'user', content: [{ type: 'tool_result', tool_use_id: turn.callId, is_error: true, content: turn.text }] }
          : { role: 'user', content: turn.text };
    }
  });
}

function interpret(message: Anthropic.Message, toolName: string): ProviderAnswer {
  const text = message.content
    .filter((block): block is Anthropic.TextBlock => block.type === 'text')
    .map((block) => block.text)
    .join('\n')
    .trim();
  if (message.stop_reason === 'refusal') {
    const details = message.stop_details;
    const explanation = details?.explanation ?? text;
    return {
      kind: 'refusal',
      category: details?.category ?? null,
      message: explanation ? `The model declined to write this workflow: ${explanation}` : 'The model declined to write this workflow.',
    };
  }
  const call = message.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use' && block.name === toolName);
  if (message.stop_reason === 'max_tokens') {
    return {
      kind: 'unusable',
      reason: `The answer was cut off after ${MAX_OUTPUT_TOKENS} tokens. Write shorter code and documentation.`,
      raw: call ? JSON.stringify(call.input) : text,
      callId: call?.id ?? null,
    };
  }
  if (!call) {
    return {
      kind: 'unusable',
      reason: `The answer must be a call of the ${toolName} tool; it was plain text.`,
      raw: text,
      callId: null,
    };
  }
  return { kind: 'answer', callId: call.id, raw: JSON.stringify(call.input), value: call.input };
}

/** The provider's own words, with the status and error type, for `LLM_UNAVAILABLE`. */
function describeError(error: unknown, provider: string) {
  if (error instanceof APIConnectionError) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
    return unavailable(provider, 'network', `Anthropic could not be reached: ${detail}`);
  }
  if (error instanceof APIError) {
    const type = error.type ?? null;
    const providerMessage = error.apiMessage ?? error.message;
    const status = error.status ?? null;
    const prefix = status ? `Anthropic answered ${status}${type ? ` ${type}` : ''}` : `Anthropic reported ${type ?? 'an error'}`;
    return unavailable(provider, 'provider_error', `${prefix}: ${providerMessage}`, {
      status,
      type,
      provider_message: providerMessage,
      request_id: error.requestID ?? null,
    });
  }
  return unavailable(provider, 'provider_error', `Anthropic request failed: ${(error as Error)?.message ?? String(error)}`);
}
