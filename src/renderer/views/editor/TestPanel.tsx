// The test input for running the code in the editor (saved or not) in the sandbox's test mode:
// mock HTTP responses, nothing leaves the machine. The result shows under the code
// (TestResult.tsx), where it has the width and height to be read without scrolling.
import { useEffect, useRef } from 'react';
import { INDICATOR_TYPES } from '../../../shared/domain.ts';
import { placeholderSecret } from '../../../shared/test-secrets.ts';
import { ErrorText, Field } from '../../components/ui.tsx';
import { indicatorLabel } from '../../lib/format.ts';
import { indicatorOptional } from '../../lib/run-form.ts';
import { JsonEditor } from '../../monaco/JsonEditor.tsx';
import { useEditor } from '../../stores/editor.ts';

const MOD = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';

export function TestPanel({ declaredSecrets }: { declaredSecrets: string[] }) {
  const test = useEditor((s) => s.test);
  const setTest = useEditor((s) => s.setTest);
  const saved = useEditor((s) => s.uuid !== null);
  const scheduled = useEditor((s) => indicatorOptional(s.draft));
  const run = () => void useEditor.getState().runTest();
  const form = useRef<HTMLFormElement>(null);

  // A marked field is brought into view: the message under the button names it, the field says why.
  useEffect(() => {
    const first = form.current?.querySelector<HTMLElement>('[aria-invalid="true"], .field.invalid');
    first?.scrollIntoView({ block: 'nearest' });
  }, [test.fieldErrors]);

  return (
    <div className="test-panel">
      <form
        ref={form}
        onSubmit={(event) => {
          event.preventDefault();
          run();
        }}
      >
        <div className="row-2 indicator-row">
          <Field label="Indicator type">
            {(props) => (
              <select {...props} value={test.indicatorType} onChange={(e) => setTest({ indicatorType: e.target.value as typeof test.indicatorType })}>
                {INDICATOR_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {indicatorLabel(type)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Indicator value" error={test.fieldErrors.indicator_value}>
            {(props) => (
              <input
                {...props}
                className="mono"
                value={test.indicatorValue}
                placeholder={scheduled ? 'none: tested as the schedule runs it' : undefined}
                onChange={(e) => setTest({ indicatorValue: e.target.value })}
                spellCheck={false}
              />
            )}
          </Field>
        </div>
        <Field label="Input (ctx.input, JSON)" error={test.fieldErrors.input}>
          {(props) => (
            <textarea
              {...props}
              className="mono"
              rows={3}
              spellCheck={false}
              value={test.inputJson}
              onChange={(e) => setTest({ inputJson: e.target.value })}
            />
          )}
        </Field>
        <Field label="Alert (ctx.alert, JSON)" error={test.fieldErrors.alert} hint="Empty: the run has no alert.">
          {(props) => (
            <textarea
              {...props}
              className="mono"
              rows={2}
              spellCheck={false}
              value={test.alertJson}
              onChange={(e) => setTest({ alertJson: e.target.value })}
            />
          )}
        </Field>
        <div className={`field ${test.fieldErrors.mocks ? 'invalid' : ''}`}>
          <span className="label-text" id="mocks-label">
            Mock responses
          </span>
          <JsonEditor
            value={test.mocksJson}
            onChange={(mocksJson) => setTest({ mocksJson })}
            label="Mock responses"
            fileName="mocks.json"
            onSubmit={run}
          />
          <p className={test.fieldErrors.mocks ? 'error-text' : 'hint'}>
            {test.fieldErrors.mocks ??
              `Matched in order by method and URL (* matches anything). "default": "error" fails unmatched calls. Nothing leaves this machine.${
                saved ? ' Kept with the workflow (and in its export) when a test runs.' : ' Kept with the workflow once it is saved.'
              }`}
          </p>
        </div>
        {declaredSecrets.length > 0 && (
          <fieldset className="field">
            <legend>Secret values for this test</legend>
            <p className="hint">
              Used for this test only, never stored. Tests never read the stored secrets: an empty value becomes the placeholder
              test-value-of-NAME.
            </p>
            {declaredSecrets.map((name) => (
              <label key={name} className="secret-row">
                <span className="mono">{name}</span>
                <input
                  type="password"
                  autoComplete="off"
                  placeholder={placeholderSecret(name)}
                  value={test.secretValues[name] ?? ''}
                  onChange={(e) => setTest({ secretValues: { ...test.secretValues, [name]: e.target.value } })}
                />
              </label>
            ))}
          </fieldset>
        )}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={test.running} aria-keyshortcuts="Control+Enter Meta+Enter">
            Run test
          </button>
          <span className="muted small">{MOD}+Enter</span>
          {test.running && <span className="muted small">Running in the sandbox…</span>}
          {test.result && !test.running && <span className="muted small">The result is under the code.</span>}
        </div>
      </form>
      <ErrorText>{test.error}</ErrorText>
    </div>
  );
}
