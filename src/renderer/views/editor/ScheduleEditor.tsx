// A scheduled workflow's schedule: the cron expression and zone with a preview in words and the
// next occurrences, the context its runs get as ctx.input, and what happens to missed and
// overlapping occurrences. Problems show beside their field as the analyst types.
import { useEffect, useRef, useState } from 'react';
import type { Schedule } from '../../../shared/schedule.ts';
import { Field } from '../../components/ui.tsx';
import { CATCH_UP_MODES, formOf, OVERLAP_MODES, preview, readForm, type ScheduleForm } from '../../lib/schedule-form.ts';

const CATCH_UP_HINTS: Record<string, string> = {
  last: 'Occurrences missed while Vigil was not running: the latest one runs once; the others are recorded as skipped.',
  none: 'Occurrences missed while Vigil was not running are recorded as skipped; nothing runs late.',
};
const OVERLAP_HINTS: Record<string, string> = {
  skip: 'An occurrence due while the previous scheduled run is still queued, running or awaiting approval is skipped.',
  queue: 'An occurrence due while the previous one is still going is queued anyway.',
};

export function ScheduleEditor({
  schedule,
  onChange,
  onUnread,
  error,
  nextRunAt,
}: {
  schedule: Schedule;
  onChange: (schedule: Schedule) => void;
  /** The form holds something that is not a schedule yet (why), or is one again (null). */
  onUnread: (problem: string | null) => void;
  /** The engine's answer to the last save (a 422 naming body.schedule.*). */
  error?: string;
  nextRunAt?: string | null;
}) {
  const [form, setForm] = useState<ScheduleForm>(() => formOf(schedule));
  const sent = useRef(JSON.stringify(schedule));
  // A schedule that changed elsewhere (discarding the draft, another version) replaces the form.
  useEffect(() => {
    if (JSON.stringify(schedule) !== sent.current) {
      sent.current = JSON.stringify(schedule);
      setForm(formOf(schedule));
      onUnread(null);
    }
  }, [schedule, onUnread]);

  const { errors } = readForm(form);
  const shown = preview(form, new Date());
  const update = (changes: Partial<ScheduleForm>) => {
    const next = { ...form, ...changes };
    setForm(next);
    const read = readForm(next);
    onUnread(read.schedule ? null : (Object.values(read.errors)[0] ?? 'The schedule is not complete.'));
    if (read.schedule) {
      sent.current = JSON.stringify(read.schedule);
      onChange(read.schedule);
    }
  };
  // A form that goes away (another workflow type, another workflow) holds nothing unsaved any more.
  useEffect(() => () => onUnread(null), [onUnread]);

  return (
    <fieldset className="schedule-editor">
      <legend>Schedule</legend>
      <div className="row-2">
        <Field label="Cron expression" error={errors.cron} hint="5 fields (minute hour day month weekday), or 6 with seconds first.">
          {(props) => (
            <input {...props} className="mono" value={form.cron} maxLength={200} spellCheck={false} onChange={(e) => update({ cron: e.target.value })} />
          )}
        </Field>
        <Field label="Time zone" error={errors.timezone} hint="IANA name, e.g. Europe/Berlin or UTC.">
          {(props) => <input {...props} value={form.timezone} maxLength={100} spellCheck={false} onChange={(e) => update({ timezone: e.target.value })} />}
        </Field>
      </div>
      {shown ? (
        <div className="schedule-preview" aria-live="polite">
          <p>{shown.summary}</p>
          <ol className="schedule-upcoming" aria-label="Next occurrences">
            {shown.upcoming.map((occurrence) => (
              <li key={occurrence} className="mono">
                {occurrence}
              </li>
            ))}
          </ol>
          {nextRunAt === null && <p className="hint">Activate the workflow to start the schedule.</p>}
        </div>
      ) : null}
      {error && <p className="error-text">{error}</p>}
      <div className="row-2">
        <Field label="Missed occurrences" hint={CATCH_UP_HINTS[form.catch_up]}>
          {(props) => (
            <select {...props} value={form.catch_up} onChange={(e) => update({ catch_up: e.target.value as ScheduleForm['catch_up'] })}>
              {CATCH_UP_MODES.map((mode) => (
                <option key={mode} value={mode}>
                  {mode === 'last' ? 'Run the latest once' : 'Skip them'}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Overlapping runs" hint={OVERLAP_HINTS[form.overlap]}>
          {(props) => (
            <select {...props} value={form.overlap} onChange={(e) => update({ overlap: e.target.value as ScheduleForm['overlap'] })}>
              {OVERLAP_MODES.map((mode) => (
                <option key={mode} value={mode}>
                  {mode === 'skip' ? 'Skip the new one' : 'Queue it anyway'}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label="Context (JSON, the runs' ctx.input)" error={errors.context}>
        {(props) => (
          <textarea {...props} className="mono" rows={4} spellCheck={false} value={form.context} onChange={(e) => update({ context: e.target.value })} />
        )}
      </Field>
    </fieldset>
  );
}
