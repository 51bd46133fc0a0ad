// One interface in front of every model provider. The repair loop talks in turns; each provider
// maps them to its wire format (Anthropic tool_use/tool_result, OpenAI tool_calls/tool messages).

/** A provider-neutral conversation turn. */
export type Turn =
  /** What the analyst asked for (first turn). */
  | { role: 'user'; text: string }
  /**
   * What the model answered. `callId` is the tool call's id when the answer came as a tool call,
   * null when it came as plain content (json_schema mode, or a model that ignored the tool).
   */
  | { role: 'answer'; callId: string | null; raw: string; value: unknown }
  /** The problems found in the previous answer, sent back for a corrected one. */
  | { role: 'feedback'; callId: string | null; text: string };

export interface CompletionRequest {
  system: string;
  turns: Turn[];
  /** The JSON schema of the structured answer. */
  schema: Record<string, unknown>;
  /** The tool (function) the answer is submitted through. */
  toolName: string;
  toolDescription: string;
  /** Aborted on cancel or when the per-request timeout passes. */
  signal: AbortSignal;
  /** The per-request limit the signal enforces, for the SDK's own socket timeout. */
  timeoutMs: number;
  /** Called as the answer streams in, with the number of characters received so far. */
  onReceived(chars: number): void;
}

export type ProviderAnswer =
  /** A structured answer; `value` is the parsed JSON (not yet validated against the schema). */
  | { kind: 'answer'; callId: string | null; raw: string; value: unknown }
  /** The model declined the task. */
  | { kind: 'refusal'; message: string; category: string | null }
  /**
   * The model answered, but not in the structured format (text only, cut off, unparsable JSON).
   * The loop feeds `reason` back as a problem.
   */
  | { kind: 'unusable'; reason: string; raw: string; callId: string | null };

export interface LlmProvider {
  readonly name: 'anthropic' | 'openai_compatible';
  readonly model: string;
  /** How this provider's model hands in the answer, which the prompt's wording follows. */
  readonly answerChannel: 'tool' | 'json';
  /**
   * Sends the conversation and waits for the model's answer. Rejects with an `LlmError`
   * (`LLM_UNAVAILABLE`) on a provider error, or with the signal's reason when aborted.
   */
  complete(request: CompletionRequest): Promise<ProviderAnswer>;
}
