// The result of a test run, under the code: the outcome first, then every HTTP call with the mock
// that answered it, then the workflow's own log lines. Each problem is said once (the shared
// test-report helpers decide what repeats what, as in `vigil test`). While a new test runs, or once
// the code or the test input changed, the shown result is dimmed and says it is out of date.
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { callError, reportLogs } from '../../../shared/test-report.ts';
import { placeholderSecret } from '../../../shared/test-secrets.ts';
import type { TestHttpCall, TestResult } from '../../api/types.ts';
import { Badge, JsonBlock, Progress } from '../../components/ui.tsx';
import { bytes, duration } from '../../lib/format.ts';
import { describeMock, mockRule } from '../../lib/mocks.ts';
import { testInputKey, useEditor } from '../../stores/editor.ts';
import { LogLine } from '../RunDetail.tsx';

export function TestResultPane() {
  const { running, result, resultKey, mocksUsed, currentKey } = useEditor(
    useShallow((s) => ({
      running: s.test.running,
      result: s.test.result,
      resultKey: s.test.resultKey,
      mocksUsed: s.test.mocksUsed,
      currentKey: testInputKey(s.draft, s.test),
    })),
  );
  if (!running && !result) return null;
  const changed = result !== null && resultKey !== currentKey;
  const stale = running || changed;

  return (
    <section className="test-output" aria-label="Test result" aria-busy={running}>
      <header className="test-output-head">
        <h2>Test result</h2>
        {result && (
          <>
            <Badge value={result.status} />
            <span className="muted small">{duration(result.duration_ms)}</span>
          </>
        )}
        {stale && (
          <span className="stale-note" role="status">
            {running
              ? result
                ? 'Running the test again; below is the previous result.'
                : 'Running the test in the sandbox…'
              : 'The code or the test input changed since this result. Run the test again.'}
          </span>
        )}
        <div className="spacer" />
        {result && !running && (
          <button type="button" className="quiet" aria-label="Close the test result" onClick={() => useEditor.getState().clearTestResult()}>
            ×
          </button>
        )}
      </header>
      <Progress active={running} label="Running the test" />
      {result && <TestResultBody result={result} mocks={mocksUsed} stale={stale} />}
    </section>
  );
}

function TestResultBody({ result, mocks, stale }: { result: TestResult; mocks: unknown; stale: boolean }) {
  const placeholders = result.secrets.filter((secret) => secret.source === 'placeholder').map((secret) => secret.name);
  const { logs, stack } = reportLogs(result);
  return (
    <div className={`test-output-body ${stale ? 'stale' : ''}`}>
      <p className={`result-message ${result.success ? '' : 'failed'}`}>{result.message || (result.success ? 'ok' : 'failed')}</p>
      {result.error && result.error !== result.message && <p className="error-text">{result.error}</p>}
      {stack && <pre className="stack mono">{stack}</pre>}
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
            <HttpCallItem key={index} call={call} error={callError(call, result)} rule={mockRule(mocks, call.mock)} />
          ))}
        </ul>
      )}

      <h3>Logs ({logs.length})</h3>
      {logs.length === 0 ? (
        <p className="muted">No log entries of the workflow's own.</p>
      ) : (
        <ol className="timeline" aria-label="Test logs">
          {logs.map((entry) => (
            <LogLine key={entry.seq} entry={entry} startedAt={result.logs[0]?.ts ?? null} />
          ))}
        </ol>
      )}
    </div>
  );
}

function HttpCallItem({ call, error, rule }: { call: TestHttpCall; error: string | null; rule: unknown }) {
  const [open, setOpen] = useState(false);
  const ok = call.status !== null && call.status < 400 && !call.error;
  const unmatched = call.mock === null || call.mock === undefined;
  return (
    <li className="http-call">
      <button type="button" className="http-call-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="mono strong">{call.method}</span>
        <span className="mono url">{call.url}</span>
        {call.error ? <Badge value="failed">error</Badge> : <Badge value={ok ? 'success' : 'failed'}>{String(call.status ?? '—')}</Badge>}
        <span className="muted small">
          {duration(call.ms)} · {bytes(call.bytes)}
        </span>
        <span className={`mock-tag ${unmatched ? 'unmatched' : ''}`}>{unmatched ? 'no mock matched' : describeMock(call.mock, rule)}</span>
      </button>
      {error && <p className="error-text call-error">{error}</p>}
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
