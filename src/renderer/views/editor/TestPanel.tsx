// Runs the code in the editor (saved or not) in the sandbox's test mode: mock HTTP responses,
// nothing leaves the machine. Shows the result, the logs and every HTTP call with the mock that
// answered it.
import { useState } from 'react';
import { INDICATOR_TYPES } from '../../../shared/domain.ts';
import { placeholderSecret } from '../../../shared/test-secrets.ts';
import type { TestHttpCall, TestResult } from '../../api/types.ts';
import { Badge, ErrorText, Field, JsonBlock, Progress } from '../../components/ui.tsx';
import { bytes, duration, indicatorLabel } from '../../lib/format.ts';
import { JsonEditor } from '../../monaco/JsonEditor.tsx';
import { useEditor } from '../../stores/editor.ts';
import { LogLine } from '../RunDetail.tsx';
import { describeMock, mockRule } from '../../lib/mocks.ts';

const MOD = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';

export function TestPanel({ declaredSecrets }: { declaredSecrets: string[] }) {
  const test = useEditor((s) => s.test);
  const setTest = useEditor((s) => s.setTest);
  const run = () => void useEditor.getState().runTest();

  return (
    <div className="test-panel">
      <form
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
        <div className="field">
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
              'Matched in order by method and URL (* matches anything). "default": "error" fails unmatched calls. Nothing leaves this machine.'}
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
        </div>
      </form>
      <Progress active={test.running} label="Running the test" />
      <ErrorText>{test.error}</ErrorText>
      {test.result && <TestResultView result={test.result} mocks={test.mocksUsed} />}
    </div>
  );
}

function TestResultView({ result, mocks }: { result: TestResult; mocks: unknown }) {
  const placeholders = result.secrets.filter((secret) => secret.source === 'placeholder').map((secret) => secret.name);
  return (
    <section className="test-result" aria-label="Test result">
      <p className="result-line">
        <Badge value={result.status} /> <strong>{result.message || (result.success ? 'ok' : 'failed')}</strong>
        <span className="muted"> · {duration(result.duration_ms)}</span>
      </p>
      {result.error && <p className="error-text">{result.error}</p>}
      {placeholders.length > 0 && (
        <p className="muted small" aria-label="Placeholder secrets">
          Placeholder secrets: {placeholders.map((name) => `${name} = ${placeholderSecret(name)}`).join(', ')} (no test value given; tests never read
          the stored secrets).
        </p>
      )}
      {result.data !== null && result.data !== undefined && <JsonBlock value={result.data} label="Result data" />}

      <h3>HTTP calls ({result.http_calls.length})</h3>
      {result.http_calls.length === 0 ? (
        <p className="muted">The workflow made no HTTP calls.</p>
      ) : (
        <ul className="http-calls" aria-label="HTTP calls">
          {result.http_calls.map((call, index) => (
            <HttpCallItem key={index} call={call} rule={mockRule(mocks, call.mock)} />
          ))}
        </ul>
      )}

      <h3>Logs ({result.logs.length})</h3>
      {result.logs.length === 0 ? (
        <p className="muted">No log entries.</p>
      ) : (
        <ol className="timeline" aria-label="Test logs">
          {result.logs.map((entry) => (
            <LogLine key={entry.seq} entry={entry} startedAt={result.logs[0]?.ts ?? null} />
          ))}
        </ol>
      )}
    </section>
  );
}

function HttpCallItem({ call, rule }: { call: TestHttpCall; rule: unknown }) {
  const [open, setOpen] = useState(false);
  const ok = call.status !== null && call.status < 400 && !call.error;
  return (
    <li className="http-call">
      <button type="button" className="http-call-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="mono strong">{call.method}</span>
        <span className="mono url">{call.url}</span>
        {call.error ? <Badge value="failed">error</Badge> : <Badge value={ok ? 'success' : 'failed'}>{String(call.status ?? '—')}</Badge>}
        <span className="muted small">
          {duration(call.ms)} · {bytes(call.bytes)}
        </span>
        <span className={`mock-tag ${call.mock === null || call.mock === undefined ? 'unmatched' : ''}`}>
          {call.mock === null || call.mock === undefined ? 'no mock matched' : describeMock(call.mock, rule)}
        </span>
      </button>
      {call.error && <p className="error-text">{call.error}</p>}
      {open && (
        <div className="http-call-body">
          <h4>Request headers</h4>
          <JsonBlock value={call.request_headers ?? {}} label="Request headers" />
          <h4>Request body</h4>
          <BodyBlock body={call.request_body} label="Request body" />
          {rule !== undefined && (
            <>
              <h4>Mock that answered</h4>
              <JsonBlock value={rule} label="Mock that answered" />
            </>
          )}
        </div>
      )}
    </li>
  );
}

/** A request body as sent: JSON pretty-printed when it is JSON, else the text itself. */
function BodyBlock({ body, label }: { body: unknown; label: string }) {
  if (body === null || body === undefined || body === '') return <p className="muted small">No body.</p>;
  if (typeof body !== 'string') return <JsonBlock value={body} label={label} />;
  try {
    return <JsonBlock value={JSON.parse(body)} label={label} />;
  } catch {
    return (
      <pre className="json" aria-label={label} tabIndex={0}>
        {body}
      </pre>
    );
  }
}
