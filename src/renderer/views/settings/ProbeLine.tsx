// What a one-off check (a notifier's test message, an integration's Test connection) says beside
// its button: that it is running, that the request failed, or what the check found.
import type { ReactNode } from 'react';
import { ErrorText } from '../../components/ui.tsx';
import type { Probe } from '../../stores/settings.ts';

export function ProbeLine<T>({
  probe,
  running,
  describe,
}: {
  probe: Probe<T> | undefined;
  /** Said while it runs. */
  running: string;
  /** Whether the check passed, and how to say what it found. */
  describe: (result: T) => { ok: boolean; text: ReactNode };
}) {
  if (!probe) return null;
  if (probe.running) return <span className="muted small" role="status">{running}</span>;
  if (probe.error) return <ErrorText>{probe.error}</ErrorText>;
  if (!probe.result) return null;
  const { ok, text } = describe(probe.result);
  return ok ? (
    <span className="ok-text" role="status">
      {text}
    </span>
  ) : (
    <ErrorText>{text}</ErrorText>
  );
}
