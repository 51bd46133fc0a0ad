// The editor of an http_endpoint workflow: a form instead of code. The configuration lives in the
// draft's `code` as canonical JSON (what the engine stores as versions), so saving, history, diffs
// and restore work as for scripts; the form reads that text and writes it back.
import { useEffect, useRef, useState } from 'react';
import {
  DEFAULT_HMAC_HEADER,
  ENDPOINT_METHODS,
  HMAC_ALGORITHMS,
  NEW_ENDPOINT,
  formatEndpoint,
  parseEndpointText,
  type EndpointConfig,
  type EndpointMethod,
  type HmacAlgorithm,
} from '../../../shared/endpoint.ts';
import type { WorkflowFields } from '../../api/types.ts';
import { TokenList } from '../../components/TokenList.tsx';
import { ErrorText, Field } from '../../components/ui.tsx';
import { NEW_WORKFLOW_CODE, useEditor } from '../../stores/editor.ts';
import { TimeoutInput } from './TimeoutInput.tsx';

interface HeaderRow {
  key: number;
  name: string;
  value: string;
}

let rowKey = 0;
const rowsOf = (headers: Record<string, string>): HeaderRow[] => Object.entries(headers).map(([name, value]) => ({ key: ++rowKey, name, value }));

/** The stored text as a configuration, filling gaps with defaults; null when it is not a JSON object. */
function configOf(code: string): EndpointConfig | null {
  const raw = parseEndpointText(code);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const given = raw as Partial<EndpointConfig>;
  return {
    ...NEW_ENDPOINT,
    ...given,
    headers: given.headers && typeof given.headers === 'object' ? given.headers : {},
    hmac: given.hmac ?? null,
    success_statuses: Array.isArray(given.success_statuses) ? given.success_statuses : NEW_ENDPOINT.success_statuses,
  };
}

/** A new workflow chooses its kind; the kind's template replaces the draft's content. */
export function KindSwitch({ kind }: { kind: WorkflowFields['kind'] }) {
  const choose = (next: WorkflowFields['kind']) => {
    if (next === kind) return;
    const { setField } = useEditor.getState();
    setField('kind', next);
    if (next === 'http_endpoint') {
      setField('code', formatEndpoint(NEW_ENDPOINT));
      setField('timeout_seconds', NEW_ENDPOINT.timeout_seconds);
    } else {
      setField('code', NEW_WORKFLOW_CODE);
    }
  };
  return (
    <div className="segmented" role="group" aria-label="Workflow kind">
      <button type="button" aria-pressed={kind === 'script'} onClick={() => choose('script')}>
        Script
      </button>
      <button type="button" aria-pressed={kind === 'http_endpoint'} onClick={() => choose('http_endpoint')}>
        HTTP endpoint
      </button>
    </div>
  );
}

export function EndpointForm({ draft, error, readOnly }: { draft: WorkflowFields; error?: string; readOnly: boolean }) {
  const setField = useEditor((s) => s.setField);
  const config = configOf(draft.code);
  const [rows, setRows] = useState<HeaderRow[]>(() => rowsOf(config?.headers ?? {}));
  // The text this form wrote last: any other change (restore, reload) re-reads the header rows.
  const written = useRef(draft.code);
  useEffect(() => {
    if (draft.code === written.current) return;
    written.current = draft.code;
    setRows(rowsOf(configOf(draft.code)?.headers ?? {}));
  }, [draft.code]);

  if (!config) {
    return (
      <div className="tab-panel settings-panel">
        <ErrorText>This version's configuration is not a JSON object, so the form cannot show it.</ErrorText>
        <button type="button" onClick={() => setField('code', formatEndpoint(NEW_ENDPOINT))} disabled={readOnly}>
          Start from the template
        </button>
      </div>
    );
  }

  // The workflow's timeout is the endpoint's: the form keeps them equal.
  const update = (change: Partial<EndpointConfig>, nextRows: HeaderRow[] = rows) => {
    const headers: Record<string, string> = {};
    for (const row of nextRows) if (row.name.trim()) headers[row.name.trim()] = row.value;
    const next = { ...config, timeout_seconds: draft.timeout_seconds, headers, ...change };
    const code = formatEndpoint(next);
    written.current = code;
    setField('code', code);
    if (next.timeout_seconds !== draft.timeout_seconds) setField('timeout_seconds', next.timeout_seconds);
  };
  const setRow = (key: number, change: Partial<HeaderRow>) => {
    const next = rows.map((row) => (row.key === key ? { ...row, ...change } : row));
    setRows(next);
    update({}, next);
  };
  const removeRow = (key: number) => {
    const next = rows.filter((row) => row.key !== key);
    setRows(next);
    update({}, next);
  };
  const hmac = config.hmac;

  return (
    <fieldset className="tab-panel settings-panel endpoint-form" disabled={readOnly} aria-label="HTTP endpoint">
      {error && <ErrorText>{error}</ErrorText>}
      <p className="hint">
        When it runs, Vigil sends the run as JSON (run id, workflow, indicator, alert, input, trigger, approval) to this endpoint.
      </p>
      <div className="endpoint-target">
        <Field label="Method">
          {(props) => (
            <select {...props} value={config.method} onChange={(e) => update({ method: e.target.value as EndpointMethod })}>
              {ENDPOINT_METHODS.map((method) => (
                <option key={method}>{method}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="URL" hint="Private or loopback hosts must be listed under Allowed hosts.">
          {(props) => (
            <input {...props} type="url" className="mono" spellCheck={false} value={config.url} onChange={(e) => update({ url: e.target.value })} />
          )}
        </Field>
      </div>

      <fieldset className="field">
        <legend>Headers</legend>
        {rows.map((row) => (
          <div key={row.key} className="header-row">
            <input aria-label="Header name" className="mono" placeholder="Authorization" value={row.name} onChange={(e) => setRow(row.key, { name: e.target.value })} />
            <input
              aria-label={`Value of ${row.name || 'the header'}`}
              className="mono"
              placeholder="Bearer {{secret:N8N_TOKEN}}"
              value={row.value}
              onChange={(e) => setRow(row.key, { value: e.target.value })}
            />
            <button type="button" className="quiet" aria-label={`Remove ${row.name || 'header'}`} onClick={() => removeRow(row.key)}>
              ✕
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setRows([...rows, { key: ++rowKey, name: '', value: '' }])}>
          Add header
        </button>
        <p className="hint">
          Values may use <code>{'{{secret:NAME}}'}</code> for a secret the workflow may read (Settings tab); Vigil fills it in when sending and never stores it.
        </p>
      </fieldset>

      <fieldset className="field">
        <legend>Signature</legend>
        <label className="checks">
          <input
            type="checkbox"
            checked={hmac !== null}
            onChange={(e) => update({ hmac: e.target.checked ? { secret: draft.secrets[0] ?? '', header: DEFAULT_HMAC_HEADER, algorithm: 'sha256' } : null })}
          />
          Sign the body with HMAC
        </label>
        {hmac && (
          <>
            <div className="row-2">
              <Field label="Signing secret" hint={draft.secrets.length === 0 ? 'Declare the secret under Settings first.' : undefined}>
                {(props) => (
                  <select {...props} value={hmac.secret} onChange={(e) => update({ hmac: { ...hmac, secret: e.target.value } })}>
                    {!draft.secrets.includes(hmac.secret) && <option value={hmac.secret}>{hmac.secret || '(choose a secret)'}</option>}
                    {draft.secrets.map((name) => (
                      <option key={name}>{name}</option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Algorithm">
                {(props) => (
                  <select {...props} value={hmac.algorithm} onChange={(e) => update({ hmac: { ...hmac, algorithm: e.target.value as HmacAlgorithm } })}>
                    {HMAC_ALGORITHMS.map((algorithm) => (
                      <option key={algorithm}>{algorithm}</option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
            <Field label="Signature header" hint={`Carries ${hmac.algorithm}=<hex HMAC of the raw body>.`}>
              {(props) => <input {...props} className="mono" value={hmac.header} onChange={(e) => update({ hmac: { ...hmac, header: e.target.value } })} />}
            </Field>
          </>
        )}
      </fieldset>

      <div className="row-2">
        <Field label="Timeout (seconds)" hint="Also the run's timeout.">
          {(props) => <TimeoutInput field={props} value={draft.timeout_seconds} onChange={(seconds) => update({ timeout_seconds: seconds })} />}
        </Field>
        <TokenList
          label="Success statuses"
          values={config.success_statuses.map(String)}
          onChange={(values) => update({ success_statuses: values.map((value) => (/^\d+$/.test(value) ? Number(value) : value.toLowerCase())) })}
          placeholder="2xx"
          mono
          hint="Numbers (202) or classes (2xx)."
          validate={(value) => (/^([1-5]\d\d|[1-5]xx)$/i.test(value) ? null : 'a status such as 202, or a class such as 2xx')}
        />
      </div>
    </fieldset>
  );
}
