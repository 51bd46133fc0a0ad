// The Run dialog, opened from the workflow list and the editor: the indicator (type checked against
// the workflow's types), optional context JSON and a note, then a confirmation for a run that
// would start a high- or critical-risk workflow at once. A workflow whose approval mode is Always
// asks for an approval, the analyst's own runs included: the button says so.
import { useEffect, useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Badge, ErrorText, Field, useModal } from '../components/ui.tsx';
import { indicatorLabel, label } from '../lib/format.ts';
import { allowedTypes, indicatorOptional, isGated, MAX_INDICATOR_LENGTH, MAX_NOTE_LENGTH, type RunTarget } from '../lib/run-form.ts';
import { useRun } from '../stores/run.ts';

export function RunDialog() {
  const { target, confirming } = useRun(useShallow((s) => ({ target: s.target, confirming: s.confirming })));
  const ref = useModal(target !== null);
  const titleId = useId();
  // After showModal (the effect above): the indicator value on the form, the confirm button on
  // the confirmation, rather than the dialog's first control.
  const step = target === null ? null : confirming ? 'confirm' : 'form';
  useEffect(() => {
    if (step) ref.current?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  }, [step, ref]);
  return (
    <dialog
      ref={ref}
      className="dialog run-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (useRun.getState().confirming) useRun.getState().cancelConfirm();
        else useRun.getState().close();
      }}
    >
      {target && (confirming ? <ConfirmStep target={target} titleId={titleId} /> : <FormStep target={target} titleId={titleId} />)}
    </dialog>
  );
}

function FormStep({ target, titleId }: { target: RunTarget; titleId: string }) {
  const { form, fieldErrors, error, settingsLink, sending } = useRun(
    useShallow((s) => ({ form: s.form, fieldErrors: s.fieldErrors, error: s.error, settingsLink: s.settingsLink, sending: s.sending })),
  );
  const { setForm } = useRun.getState();
  const gated = isGated(target);
  const types = allowedTypes(target);
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void useRun.getState().submit();
      }}
    >
      <h2 id={titleId}>Run “{target.name}”</h2>
      <p className="run-facts">
        <Badge value={target.risk_level} title="Risk level of the workflow" /> <span className="muted">version v{target.code_version} · approval</span>{' '}
        {label(target.approval_mode)}
      </p>
      <p className={`run-gate ${gated ? 'gated' : ''}`}>
        {gated
          ? 'This workflow asks for an approval before every run, yours included. Sending creates the request; approve it under Approvals, and the run starts then.'
          : 'The run starts as soon as you send it, as you (a human trigger), and opens under Runs.'}
      </p>
      <div className="row-2">
        <Field
          label="Indicator type"
          error={fieldErrors.indicator_type}
          hint={target.indicator_types.length > 0 ? `The types this workflow takes.` : undefined}
        >
          {(props) => (
            <select {...props} value={form.indicatorType} onChange={(e) => setForm({ indicatorType: e.target.value as typeof form.indicatorType })}>
              {types.map((type) => (
                <option key={type} value={type}>
                  {indicatorLabel(type)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={indicatorOptional(target) ? 'Indicator value (optional)' : 'Indicator value'} error={fieldErrors.indicator_value}>
          {(props) => (
            <input
              {...props}
              className="mono"
              data-autofocus
              spellCheck={false}
              autoComplete="off"
              maxLength={MAX_INDICATOR_LENGTH}
              value={form.indicatorValue}
              onChange={(e) => setForm({ indicatorValue: e.target.value })}
            />
          )}
        </Field>
      </div>
      <Field label="Context (ctx.input, JSON, optional)" error={fieldErrors.context} hint={'For example {"ticket": "INC-4711"}. Empty: none.'}>
        {(props) => (
          <textarea {...props} className="mono" rows={4} spellCheck={false} value={form.contextJson} onChange={(e) => setForm({ contextJson: e.target.value })} />
        )}
      </Field>
      <Field
        label="Note (optional)"
        error={fieldErrors.note}
        hint={gated ? 'Why you run it: shown on the approval request and kept with the run.' : 'Why you run it: kept with the run.'}
      >
        {(props) => <textarea {...props} rows={2} maxLength={MAX_NOTE_LENGTH} value={form.note} onChange={(e) => setForm({ note: e.target.value })} />}
      </Field>
      {error && (
        <ErrorText>
          {error}
          {settingsLink && (
            <>
              {' '}
              <a href="#/settings" onClick={() => useRun.getState().close()}>
                Open Settings
              </a>
            </>
          )}
        </ErrorText>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={() => useRun.getState().close()} disabled={sending}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={sending}>
          {sending ? 'Sending…' : gated ? 'Request approval' : 'Run workflow'}
        </button>
      </div>
    </form>
  );
}

function ConfirmStep({ target, titleId }: { target: RunTarget; titleId: string }) {
  const { confirming, sending } = useRun(useShallow((s) => ({ confirming: s.confirming, sending: s.sending })));
  if (!confirming) return null;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void useRun.getState().confirm();
      }}
    >
      <h2 id={titleId}>Run a {target.risk_level}-risk workflow?</h2>
      <div className="dialog-body">
        <p>
          <strong>{target.name}</strong>
          {confirming.indicator_type && (
            <>
              {' '}
              on <span className="muted">{indicatorLabel(confirming.indicator_type)}</span> <span className="mono">{confirming.indicator_value}</span>
            </>
          )}{' '}
          is rated {target.risk_level} risk. It starts as soon as you confirm, with no
          approval.
        </p>
        {confirming.reason && <p className="prose">Your note: “{confirming.reason}”</p>}
      </div>
      <div className="dialog-actions">
        <button type="button" onClick={() => useRun.getState().cancelConfirm()} disabled={sending}>
          Back
        </button>
        <button type="submit" className="danger" disabled={sending} data-autofocus>
          {sending ? 'Starting…' : 'Run it now'}
        </button>
      </div>
    </form>
  );
}
