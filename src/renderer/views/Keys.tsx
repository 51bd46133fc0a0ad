// API keys: create (type, scopes, expiry; the key shown once with a copy button), list, revoke.
import { useEffect, useState } from 'react';
import { KEY_TYPES, SCOPES } from '../../shared/domain.ts';
import type { ApiKey, KeyType, Scope } from '../api/types.ts';
import { ActionsHeader, Badge, ConfirmItemDialog, CopyButton, EmptyState, ErrorText, Field, Progress, useNow } from '../components/ui.tsx';
import { label, relativeTime, shortDate } from '../lib/format.ts';
import { DEFAULT_SCOPES, HUMAN_ONLY_SCOPES, keyStatus, sortKeys, useKeys } from '../stores/keys.ts';
import { useSession } from '../stores/session.ts';

const EXPIRY_CHOICES = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
];

const SCOPE_HINTS: Record<Scope, string> = {
  'workflows:read': 'list and read workflows, runs, secrets names',
  'workflows:write': 'create and change workflows, set secrets',
  'workflows:execute': 'execute workflows, cancel runs',
  'approvals:write': 'approve and reject requests',
  admin: 'everything, including keys and settings',
};

export function KeysView() {
  const { items, loaded, loading, error, creating, formErrors, created, rowErrors } = useKeys();
  const sessionPrefix = useSession((s) => s.keyPrefix);
  const [name, setName] = useState('');
  const [type, setType] = useState<KeyType>('agent');
  const [scopes, setScopes] = useState<Scope[]>(DEFAULT_SCOPES.agent);
  const [expiry, setExpiry] = useState('90');
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const now = useNow();

  useEffect(() => {
    document.title = 'API keys · Vigil';
    void useKeys.getState().load();
  }, []);

  const chooseType = (next: KeyType) => {
    setType(next);
    setScopes(DEFAULT_SCOPES[next]);
  };

  const toggleScope = (scope: Scope) =>
    setScopes((current) => (current.includes(scope) ? current.filter((s) => s !== scope) : [...current, scope]));

  return (
    <section className="view" aria-labelledby="keys-title">
      <header className="view-header">
        <h1 id="keys-title">API keys</h1>
        <span className="muted">Agents and scripts call Vigil with these. Each key is shown once.</span>
      </header>

      <form
        className="card form-grid"
        aria-label="Create an API key"
        onSubmit={async (event) => {
          event.preventDefault();
          const expires_at = expiry === 'never' ? null : new Date(Date.now() + Number(expiry) * 86_400_000).toISOString();
          const ok = await useKeys.getState().create({ name, key_type: type, scopes, expires_at });
          if (ok) setName('');
        }}
      >
        <Field label="Name" error={formErrors.name} hint="Who or what uses it, e.g. “SOAR triage agent”.">
          {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
        </Field>
        <fieldset className="field">
          <legend>Type</legend>
          <div className="radios">
            {KEY_TYPES.map((t) => (
              <label key={t}>
                <input type="radio" name="key-type" value={t} checked={type === t} onChange={() => chooseType(t)} />
                {label(t)}
              </label>
            ))}
          </div>
          <p className="hint">
            {type === 'agent'
              ? 'Agent runs must give a reason and a confidence, and are gated by “agents only” workflows. Agents can never approve.'
              : 'Human keys act as an analyst.'}
          </p>
        </fieldset>
        <fieldset className="field">
          <legend>Scopes</legend>
          <div className="checks">
            {SCOPES.map((scope) => {
              const forbidden = type === 'agent' && HUMAN_ONLY_SCOPES.includes(scope);
              return (
                <label key={scope} className={forbidden ? 'disabled' : undefined} title={SCOPE_HINTS[scope]}>
                  <input
                    type="checkbox"
                    checked={scopes.includes(scope) && !forbidden}
                    disabled={forbidden}
                    onChange={() => toggleScope(scope)}
                  />
                  <span className="mono">{scope}</span>
                </label>
              );
            })}
          </div>
          {formErrors.scopes && <p className="error-text">{formErrors.scopes}</p>}
        </fieldset>
        <Field label="Expires" error={formErrors.expires_at}>
          {(props) => (
            <select {...props} value={expiry} onChange={(e) => setExpiry(e.target.value)}>
              {EXPIRY_CHOICES.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={creating}>
            {creating ? 'Creating…' : 'Create key'}
          </button>
        </div>
        <ErrorText>{formErrors.form}</ErrorText>
      </form>

      {created && (
        <div className="card created-key" role="status" aria-label="New API key">
          <p>
            <strong>{created.name}</strong>: copy this key now. Vigil keeps only its hash and cannot show it again.
          </p>
          <div className="key-line">
            <input
              readOnly
              className="mono"
              value={created.key}
              aria-label="The new key"
              onFocus={(e) => e.target.select()}
            />
            <CopyButton text={created.key} />
            <button type="button" onClick={() => useKeys.getState().dismissCreated()}>
              Done
            </button>
          </div>
        </div>
      )}

      <Progress active={loading} label="Loading keys" />
      <ErrorText>{error}</ErrorText>
      {loaded && items.length === 0 && !error ? (
        <EmptyState title="No API keys">
          <p>Create a key above for each agent or script that should call Vigil.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="grid" aria-label="API keys">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <ActionsHeader />
              </tr>
            </thead>
            <tbody>
              {sortKeys(items, now).map((key) => {
                const status = keyStatus(key, now);
                const current = key.prefix === sessionPrefix;
                return (
                  <tr key={key.uuid} className={status !== 'active' ? 'dim' : undefined}>
                    <td>
                      {key.name}
                      {current && <span className="tag">this session</span>}
                    </td>
                    <td>{label(key.key_type)}</td>
                    <td className="mono">{key.prefix}…</td>
                    <td className="small mono">{key.scopes.join(', ')}</td>
                    <td className="muted" title={shortDate(key.created_at)}>
                      {relativeTime(key.created_at, now)}
                    </td>
                    <td className="muted">{key.expires_at ? shortDate(key.expires_at) : 'never'}</td>
                    <td className="muted">{key.last_used_at ? relativeTime(key.last_used_at, now) : 'never'}</td>
                    <td>
                      <Badge value={status === 'active' ? 'active' : status === 'revoked' ? 'rejected' : 'expired'}>{label(status)}</Badge>
                    </td>
                    <td className="actions">
                      {status === 'active' && (
                        <button type="button" className="quiet danger-text" onClick={() => setRevoking(key)}>
                          Revoke
                        </button>
                      )}
                      {rowErrors[key.uuid] && <ErrorText>{rowErrors[key.uuid]}</ErrorText>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      <ConfirmItemDialog
        item={revoking}
        title={(key) => `Revoke ${key.name}?`}
        confirmLabel="Revoke key"
        onClose={() => setRevoking(null)}
        onConfirm={async (key) => {
          const ok = await useKeys.getState().revoke(key.uuid);
          if (ok && key.prefix === sessionPrefix) useSession.getState().signOut('You revoked the key this tab was using.');
        }}
      >
        {(key) => (
          <>
            <p>Anything using it is refused from now on. This cannot be undone.</p>
            {key.prefix === sessionPrefix && <p className="error-text">This is the key this tab uses: you will be signed out.</p>}
          </>
        )}
      </ConfirmItemDialog>
    </section>
  );
}
