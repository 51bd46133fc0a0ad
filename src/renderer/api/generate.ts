// The answer of POST /v1/workflows/generate sent with `Accept: text/event-stream`: `progress`
// events while the model writes and the repair loop checks, then exactly one `result` or `error`.
// Read with fetch (not EventSource) because the request is a POST with a bearer header.
import { SseParser, type SseMessage } from '../../shared/sse.ts';
import { PROGRESS_STAGES, type GenerateProgress, type GenerateResult } from './types.ts';

/** How a generation stream ended. */
export type GenerateOutcome =
  | { kind: 'result'; result: GenerateResult }
  /** The `error` event: the status and envelope the JSON form of the request would have had. */
  | { kind: 'error'; status: number; code: string; message: string; details: unknown }
  /** The connection closed before a `result` or `error` arrived. */
  | { kind: 'ended' };

const STAGES: ReadonlySet<string> = new Set(PROGRESS_STAGES);

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

export function isGenerateResult(value: unknown): value is GenerateResult {
  const v = value as Partial<GenerateResult> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.generated_code === 'string' &&
    Array.isArray(v.warnings) &&
    typeof v.checks === 'object' &&
    v.checks !== null
  );
}

/** One message of the stream: a progress report (returns null), or how the stream ends. */
export function interpretGenerateMessage(message: SseMessage, onProgress: (progress: GenerateProgress) => void): GenerateOutcome | null {
  const data = parse(message.data);
  switch (message.event) {
    case 'progress': {
      const progress = data as GenerateProgress | undefined;
      // A progress report the console cannot read is skipped: the result still arrives.
      if (progress && typeof progress === 'object' && STAGES.has(progress.stage) && typeof progress.attempt === 'number') onProgress(progress);
      return null;
    }
    case 'result':
      if (isGenerateResult(data)) return { kind: 'result', result: data };
      return { kind: 'error', status: 502, code: 'INVALID_RESPONSE', message: 'Vigil sent a generation result the console cannot read.', details: null };
    case 'error': {
      const body = data as { status?: unknown; error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
      return {
        kind: 'error',
        status: typeof body?.status === 'number' ? body.status : 500,
        code: typeof body?.error?.code === 'string' ? body.error.code : 'INTERNAL_ERROR',
        message: typeof body?.error?.message === 'string' ? body.error.message : 'The generation failed.',
        details: body?.error?.details ?? null,
      };
    }
    default:
      // Events this console does not know (a newer server) are not its business.
      return null;
  }
}

/**
 * Reads a generation stream to its end. `onActivity` is called for every chunk, keep-alive
 * comments included, so a caller can tell a slow model from a dead connection.
 */
export async function readGenerateStream(
  body: ReadableStream<Uint8Array<ArrayBuffer>>,
  onProgress: (progress: GenerateProgress) => void,
  onActivity?: () => void,
): Promise<GenerateOutcome> {
  const parser = new SseParser();
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { kind: 'ended' };
      onActivity?.();
      for (const message of parser.push(value)) {
        const outcome = interpretGenerateMessage(message, onProgress);
        if (outcome) return outcome;
      }
    }
  } finally {
    // After the result the server closes anyway; on an abort this releases the connection now.
    reader.cancel().catch(() => undefined);
  }
}
