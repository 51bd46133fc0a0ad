// Secrets: names, whether a value is stored, which workflows read them; set or replace a value
// (typed into a password field and never shown again); delete with a warning naming the
// workflows that still need it. Without a usable OS keychain a banner says why and how to fix it,
// and nothing that would need the keychain is offered.
import { useEffect, useRef, useState } from 'react';
import type { Secret } from '../api/types.ts';
import { KeychainBanner } from '../components/KeychainBanner.tsx';
import { ActionsHeader, Badge, ConfirmItemDialog, EmptyState, ErrorText, Field, Progress, useNow } from '../components/ui.tsx';
import { relativeTime } from '../lib/format.ts';
import { href } from '../stores/router.ts';
import { useSecrets } from '../stores/secrets.ts';

export function SecretsView() {
  const { items, keychain, loaded, loading, error, saving, formErrors, rowErrors } = useSecrets();
  // Until the engine says the keychain works, a form that would fail is not shown.
  const usable = keychain?.state !== 'unavailable';
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [savedName, setSavedName] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Secret | null>(null);
  const valueInput = useRef<HTMLInputElement>(null);
  const now = useNow();

  useEffect(() => {
    document.title = 'Secrets · Vigil';
    void useSecrets.getState().load();
  }, []);

  const replace = (secretName: string) => {
    setName(secretName);
    setValue('');
    setSavedName(null);
    valueInput.current?.focus();
  };

  return (
    <section className="view" aria-labelledby="secrets-title">
      <header className="view-header">
        <h1 id="secrets-title">Secrets</h1>
        <span className="muted">Values live in the OS keychain; Vigil stores only their names.</span>
      </header>

      <KeychainBanner status={keychain} />
      {usable && (
        <form
          className="inline-form"
          aria-label="Set a secret"
          onSubmit={async (event) => {
            event.preventDefault();
            const ok = await useSecrets.getState().set(name.trim(), value);
            if (ok) {
              setSavedName(name.trim());
              setValue('');
              setName('');
            }
          }}
        >
          <Field label="Name" error={formErrors.name} hint="As the workflow reads it: ctx.secrets.get(&quot;NAME&quot;)">
            {(props) => (
              <input
                {...props}
                className="mono"
                value={name}
                onChange={(e) => setName(e.target.value)}
                autoComplete="off"
                spellCheck={false}
                placeholder="OKTA_API_TOKEN"
              />
            )}
          </Field>
          <Field label="Value" error={formErrors.value} hint="Never shown again after it is stored.">
            {(props) => (
              <input
                {...props}
                ref={valueInput}
                type="password"
                value={value}
                onChange={(e) => setValue(e.target.value)}
                autoComplete="new-password"
              />
            )}
          </Field>
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Storing…' : 'Set secret'}
          </button>
        </form>
      )}
      <ErrorText>{formErrors.form}</ErrorText>
      {savedName && (
        <p className="ok-text" role="status">
          Stored {savedName} in the keychain.
        </p>
      )}

      <Progress active={loading} label="Loading secrets" />
      <ErrorText>{error}</ErrorText>
      {loaded && items.length === 0 && !error ? (
        <EmptyState title="No secrets yet">
          <p>
            {usable ? 'Set a secret above, then list' : 'Once the keychain works, set a secret here and list'} its name in a
            workflow’s settings under <em>Secrets it may read</em>. A workflow can read only the secrets it declares.
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="grid" aria-label="Secrets">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
                <th scope="col">Used by</th>
                <th scope="col">Updated</th>
                <ActionsHeader />
              </tr>
            </thead>
            <tbody>
              {items.map((secret) => (
                <tr key={secret.name}>
                  <td className="mono strong">{secret.name}</td>
                  <td>
                    {secret.set ? (
                      <Badge value="success">stored</Badge>
                    ) : (
                      <Badge value="failed" title="A workflow declares it but no value is stored">
                        not set
                      </Badge>
                    )}
                  </td>
                  <td>
                    {secret.used_by.length === 0 ? (
                      <span className="muted">no workflow</span>
                    ) : (
                      secret.used_by.map((w, i) => (
                        <span key={w.uuid}>
                          {i > 0 && ', '}
                          <a href={href({ view: 'editor', uuid: w.uuid })}>{w.name}</a>
                        </span>
                      ))
                    )}
                  </td>
                  <td className="muted">{secret.updated_at ? relativeTime(secret.updated_at, now) : '—'}</td>
                  <td className="actions">
                    {usable && (
                      <button type="button" onClick={() => replace(secret.name)}>
                        {secret.set ? 'Replace' : 'Set value'}
                      </button>
                    )}
                    {secret.set && usable && (
                      <button type="button" className="quiet danger-text" onClick={() => setDeleting(secret)}>
                        Delete
                      </button>
                    )}
                    {rowErrors[secret.name] && <ErrorText>{rowErrors[secret.name]}</ErrorText>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <ConfirmItemDialog
        item={deleting}
        title={(secret) => `Delete the secret ${secret.name}?`}
        confirmLabel="Delete secret"
        onClose={() => setDeleting(null)}
        onConfirm={(secret) => void useSecrets.getState().remove(secret.name)}
      >
        {(secret) =>
          secret.used_by.length > 0 ? (
            <>
              <p>
                {secret.used_by.length === 1 ? 'This workflow reads it' : 'These workflows read it'} and will get{' '}
                <code>null</code> instead of the value:
              </p>
              <ul>
                {secret.used_by.map((w) => (
                  <li key={w.uuid}>{w.name}</li>
                ))}
              </ul>
            </>
          ) : (
            <p>No workflow declares it. The value is removed from the keychain.</p>
          )
        }
      </ConfirmItemDialog>
    </section>
  );
}
