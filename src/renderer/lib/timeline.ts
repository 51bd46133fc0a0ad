// A run's timeline: its log entries in order, with each step's entries (and HTTP calls) gathered
// under that step, so the run reads as "find user → suspend → notify" with the details inside.
import type { RunLogEntry, RunStep } from '../api/types.ts';

export type TimelineItem =
  | { kind: 'entry'; entry: RunLogEntry }
  | {
      kind: 'step';
      name: string;
      /** The step's record (status, duration, output); null while the run is running or when none matches. */
      step: RunStep | null;
      /** A later stretch of a step whose entries were interleaved with others (parallel steps). */
      continued: boolean;
      entries: RunLogEntry[];
    };

/**
 * Consecutive entries of one step form a group. A group that starts with the step's own "started"
 * or "skipped" line is a new occurrence of the step (a name may repeat, e.g. in a loop) and takes
 * the next record of that name; any other group continues the latest occurrence.
 */
export function groupTimeline(logs: RunLogEntry[], steps: RunStep[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  const used = new Map<string, number>();
  const latest = new Map<string, RunStep | null>();
  for (const entry of logs) {
    const last = items.at(-1);
    if (entry.step === null) {
      items.push({ kind: 'entry', entry });
      continue;
    }
    if (last?.kind === 'step' && last.name === entry.step && !opens(entry, entry.step)) {
      last.entries.push(entry);
      continue;
    }
    if (opens(entry, entry.step) || !latest.has(entry.step)) {
      const index = used.get(entry.step) ?? 0;
      const record = steps.filter((step) => step.name === entry.step)[index] ?? null;
      used.set(entry.step, index + 1);
      latest.set(entry.step, record);
      items.push({ kind: 'step', name: entry.step, step: record, continued: false, entries: [entry] });
    } else {
      items.push({ kind: 'step', name: entry.step, step: latest.get(entry.step) ?? null, continued: true, entries: [entry] });
    }
  }
  return items;
}

function opens(entry: RunLogEntry, name: string): boolean {
  return entry.message === `step "${name}" started` || entry.message.startsWith(`step "${name}" skipped`);
}
