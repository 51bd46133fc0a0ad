// The workflow's settings: what it is, what it accepts, how it is gated, what it may read and
// reach, and its documentation for agents (Markdown, with a preview).
import { useCallback, useState } from 'react';
import { ALLOWED_HOST, APPROVAL_MODES, RISK_LEVELS, SECRET_NAME } from '../../../shared/domain.ts';
import type { WorkflowFields } from '../../api/types.ts';
import { Markdown } from '../../components/Markdown.tsx';
import { TokenList } from '../../components/TokenList.tsx';
import { Field, IndicatorTypeChecks } from '../../components/ui.tsx';
import { label } from '../../lib/format.ts';
import { typeChange } from '../../lib/schedule-form.ts';
import { exampleForType, useEditor } from '../../stores/editor.ts';
import { ScheduleEditor } from './ScheduleEditor.tsx';
import { TimeoutInput } from './TimeoutInput.tsx';

const APPROVAL_HINTS: Record<string, string> = {
  always: 'Every run waits for an analyst to approve it.',
  agent_only: 'Runs asked for by agents wait for approval; analysts run it directly.',
  never: 'Nobody approves: agents run it at once. Only for harmless, read-only workflows.',
};

/** Which settings a built-in workflow lets the analyst change (the engine refuses the rest). */
const SYSTEM_EDITABLE = new Set(['approval_mode', 'approval_timeout_seconds', 'tags']);

export function SettingsPanel({
  draft,
  fieldErrors,
  isSystem,
  nextRunAt,
}: {
  draft: WorkflowFields;
  fieldErrors: Record<string, string>;
  isSystem: boolean;
  /** The saved workflow's next scheduled run (null: not active, or no schedule). */
  nextRunAt?: string | null;
}) {
  const set = useEditor((s) => s.setField);
  const setUnread = useEditor((s) => s.setUnreadInput);
  const scheduleUnread = useCallback((problem: string | null) => setUnread('schedule', problem), [setUnread]);
  const [preview, setPreview] = useState(false);
  const locked = (field: string) => isSystem && !SYSTEM_EDITABLE.has(field);
  /** A list setting bound to the draft, as a TokenList takes it. */
  const list = (field: 'secrets' | 'allowed_hosts' | 'tags') => ({
    values: draft[field],
    onChange: (values: string[]) => set(field, values),
    disabled: locked(field),
    error: fieldErrors[field],
  });
  const minutes = Math.round(draft.approval_timeout_seconds / 60);

  return (
    <div className="settings-panel">
      <Field label="Name" error={fieldErrors.name}>
        {(props) => (
          <input {...props} value={draft.name} maxLength={200} disabled={locked('name')} onChange={(e) => set('name', e.target.value)} />
        )}
      </Field>
      <div className="row-2">
        <Field label="Type" error={fieldErrors.workflow_type}>
          {(props) => (
            <select
              {...props}
              value={draft.workflow_type ?? ''}
              disabled={locked('workflow_type')}
              onChange={(e) => {
                const changes = typeChange(draft, e.target.value || null);
                set('workflow_type', changes.workflow_type as WorkflowFields['workflow_type']);
                if (JSON.stringify(changes.schedule) !== JSON.stringify(draft.schedule)) set('schedule', changes.schedule);
                const code = exampleForType(draft.code, changes.workflow_type);
                if (code !== draft.code) set('code', code);
              }}
            >
              <option value="indicator">Indicator</option>
              <option value="alert">Alert</option>
              <option value="scheduled">Scheduled</option>
              <option value="">Other</option>
            </select>
          )}
        </Field>
        <Field label="Risk" error={fieldErrors.risk_level} hint="Colours approvals; high and critical ask for a confirmation.">
          {(props) => (
            <select
              {...props}
              value={draft.risk_level}
              disabled={locked('risk_level')}
              onChange={(e) => set('risk_level', e.target.value as WorkflowFields['risk_level'])}
            >
              {RISK_LEVELS.map((risk) => (
                <option key={risk} value={risk}>
                  {label(risk)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {draft.workflow_type === 'scheduled' && draft.schedule && (
        <ScheduleEditor
          schedule={draft.schedule}
          onChange={(schedule) => set('schedule', schedule)}
          onUnread={scheduleUnread}
          error={fieldErrors.schedule}
          nextRunAt={nextRunAt}
        />
      )}
      {draft.workflow_type === 'scheduled' && !draft.schedule && !locked('schedule') && (
        <p className="hint">
          No schedule: it runs only when executed.{' '}
          <button type="button" className="link-button" onClick={() => set('schedule', typeChange({ schedule: null }, 'scheduled').schedule)}>
            Add a schedule
          </button>
        </p>
      )}
      <IndicatorTypeChecks
        value={draft.indicator_types}
        onChange={(next) => set('indicator_types', next)}
        error={fieldErrors.indicator_types}
        emptyHint="None ticked: any type is accepted."
        disabled={locked('indicator_types')}
      />
      <div className="row-2">
        <Field label="Approval" error={fieldErrors.approval_mode} hint={APPROVAL_HINTS[draft.approval_mode]}>
          {(props) => (
            <select {...props} value={draft.approval_mode} onChange={(e) => set('approval_mode', e.target.value as WorkflowFields['approval_mode'])}>
              {APPROVAL_MODES.map((mode) => (
                <option key={mode} value={mode}>
                  {label(mode)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Approval expires after (minutes)" error={fieldErrors.approval_timeout_seconds}>
          {(props) => (
            <input
              {...props}
              type="number"
              min={1}
              max={7 * 24 * 60}
              value={Number.isFinite(minutes) ? minutes : ''}
              onChange={(e) => set('approval_timeout_seconds', Math.round(Number(e.target.value) * 60))}
            />
          )}
        </Field>
      </div>
      <Field label="Run timeout (seconds)" error={fieldErrors.timeout_seconds}>
        {(props) => (
          <TimeoutInput field={props} value={draft.timeout_seconds} disabled={locked('timeout_seconds')} onChange={(seconds) => set('timeout_seconds', seconds)} />
        )}
      </Field>
      <TokenList
        label="Secrets it may read"
        {...list('secrets')}
        placeholder="OKTA_API_TOKEN"
        mono
        hint="ctx.secrets.get() returns only these. Set their values under Secrets."
        validate={(value) => (SECRET_NAME.test(value) ? null : 'letters, digits and _, not starting with a digit')}
      />
      <TokenList
        label="Allowed hosts"
        {...list('allowed_hosts')}
        placeholder="api.example.com"
        mono
        hint="Empty: any public host. Listed: only these hosts (or CIDR ranges); needed for private addresses."
        validate={(value) => (ALLOWED_HOST.test(value) && value.length <= 253 ? null : 'a host name, IP address or CIDR range')}
      />
      <TokenList
        label="Tags"
        {...list('tags')}
        placeholder="containment"
        validate={(value) => (value.length <= 50 ? null : 'at most 50 characters')}
      />
      <div className="field">
        <div className="field-head">
          <label htmlFor="workflow-docs">Documentation</label>
          <div className="segmented" role="group" aria-label="Documentation view">
            <button type="button" aria-pressed={!preview} onClick={() => setPreview(false)}>
              Write
            </button>
            <button type="button" aria-pressed={preview} onClick={() => setPreview(true)}>
              Preview
            </button>
          </div>
        </div>
        {preview ? (
          <div className="docs-preview">
            <Markdown source={draft.documentation} empty="No documentation yet. Agents read it to decide when to use this workflow." />
          </div>
        ) : (
          <textarea
            id="workflow-docs"
            rows={8}
            value={draft.documentation}
            disabled={locked('documentation')}
            maxLength={64 * 1024}
            placeholder={'What it does, when an agent should use it, what it needs.\n\nMarkdown: # headings, **bold**, `code`, - lists, [links](https://…)'}
            onChange={(e) => set('documentation', e.target.value)}
          />
        )}
        {fieldErrors.documentation && <p className="error-text">{fieldErrors.documentation}</p>}
      </div>
    </div>
  );
}
