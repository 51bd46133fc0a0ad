// Settings → Integrations: Okta and Microsoft Entra ID, the credentials behind ctx.integrations and
// the built-in identity workflows. Secrets are write-only: the form says whether one is stored;
// "Test connection" runs the client's checkConnection() in the sandbox and shows what the vendor said.
import { useEffect, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { api } from '../../api/instance.ts';
import type { EntraView, IntegrationName, ConnectionTest, IntegrationView, OktaView } from '../../api/types.ts';
import { Badge, ErrorText, Field } from '../../components/ui.tsx';
import { useKeychainUnavailable } from '../../stores/settings.ts';

interface FormState {
  saving: boolean;
  error: string | null;
  fieldErrors: Record<string, string>;
  testing: boolean;
  test: ConnectionTest | null;
  savedAt: number | null;
}

const IDLE: FormState = { saving: false, error: null, fieldErrors: {}, testing: false, test: null, savedAt: null };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  return Object.fromEntries(error.fieldProblems.map((problem) => [problem.field.replace(/^body\./, ''), problem.message]));
}

/** Save, remove and test for one integration; the view it answers replaces the card's state. */
function useIntegrationForm(name: IntegrationName, onView: (view: IntegrationView) => void) {
  const [state, setState] = useState<FormState>(IDLE);
  const run = async (work: () => Promise<{ data: IntegrationView }>) => {
    setState((s) => ({ ...s, saving: true, error: null, fieldErrors: {}, test: null }));
    try {
      onView((await work()).data);
      setState((s) => ({ ...s, saving: false, savedAt: Date.now() }));
      return true;
    } catch (error) {
      setState((s) => ({ ...s, saving: false, error: messageOf(error), fieldErrors: fieldErrorsOf(error) }));
      return false;
    }
  };
  const test = async () => {
    setState((s) => ({ ...s, testing: true, test: null, error: null }));
    try {
      const result = await api().integrations.test(name);
      setState((s) => ({ ...s, testing: false, test: result.data }));
    } catch (error) {
      setState((s) => ({ ...s, testing: false, error: messageOf(error) }));
    }
  };
  return { state, run, test };
}

function TestLine({ state }: { state: FormState }) {
  if (state.testing) return <span className="muted small" role="status">Testing the connection…</span>;
  if (!state.test) return null;
  return state.test.ok ? (
    <span className="ok-text" role="status">
      Connected: {state.test.message}
    </span>
  ) : (
    <ErrorText>
      Connection failed ({state.test.code}): {state.test.message}
    </ErrorText>
  );
}

function SecretField({ label, stored, value, onChange, error, placeholder }: { label: string; stored: boolean; value: string; onChange: (value: string) => void; error?: string; placeholder?: string }) {
  const unavailable = useKeychainUnavailable();
  const hint = unavailable
    ? 'Kept in the OS keychain, which is unavailable (see above).'
    : stored
      ? 'Stored in the OS keychain. Type to replace it.'
      : 'Not set. It is stored in the OS keychain and never shown again.';
  return (
    <Field label={label} error={error} hint={hint}>
      {(props) => (
        <input
          {...props}
          type="password"
          autoComplete="off"
          placeholder={unavailable ? 'keychain unavailable' : stored ? '•••••••• (stored)' : placeholder}
          value={value}
          disabled={unavailable}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

function StatusBadge({ configured }: { configured: boolean }) {
  return configured ? <Badge value="success">configured</Badge> : <Badge value="none">not configured</Badge>;
}

function Actions({ name, configured, form, onRemove }: { name: string; configured: boolean; form: ReturnType<typeof useIntegrationForm>; onRemove: () => void }) {
  return (
    <div className="form-actions">
      <button type="submit" className="primary" disabled={form.state.saving}>
        {form.state.saving ? 'Saving…' : `Save ${name}`}
      </button>
      <button type="button" disabled={!configured || form.state.testing} onClick={() => void form.test()}>
        Test connection
      </button>
      {configured && (
        <button type="button" className="quiet" disabled={form.state.saving} onClick={onRemove}>
          Remove
        </button>
      )}
      {form.state.savedAt && !form.state.saving && !form.state.error && (
        <span className="ok-text" role="status">
          Saved.
        </span>
      )}
      <TestLine state={form.state} />
    </div>
  );
}

function OktaForm({ view, onView }: { view: OktaView; onView: (view: IntegrationView) => void }) {
  const form = useIntegrationForm('okta', onView);
  const [orgUrl, setOrgUrl] = useState(view.org_url ?? '');
  const [token, setToken] = useState('');
  const fe = form.state.fieldErrors;
  return (
    <form
      className="subsection form-grid"
      aria-label="Okta"
      onSubmit={async (event) => {
        event.preventDefault();
        const ok = await form.run(() => api().integrations.update('okta', { org_url: orgUrl.trim(), ...(token ? { api_token: token } : {}) }));
        if (ok) setToken('');
      }}
    >
      <h3>
        Okta <StatusBadge configured={view.configured} />
      </h3>
      <Field label="Org URL" error={fe.org_url} hint="Your Okta org, e.g. https://example.okta.com">
        {(props) => <input {...props} value={orgUrl} onChange={(e) => setOrgUrl(e.target.value)} placeholder="https://example.okta.com" />}
      </Field>
      <SecretField label="API token" stored={view.api_token_set} value={token} onChange={setToken} error={fe.api_token} placeholder="00ab…" />
      <Actions
        name="Okta"
        configured={view.configured}
        form={form}
        onRemove={() => {
          void form.run(() => api().integrations.remove('okta')).then((ok) => ok && setOrgUrl(''));
        }}
      />
      <ErrorText>{form.state.error}</ErrorText>
    </form>
  );
}

function EntraForm({ view, onView }: { view: EntraView; onView: (view: IntegrationView) => void }) {
  const form = useIntegrationForm('entra', onView);
  const [tenant, setTenant] = useState(view.tenant_id ?? '');
  const [client, setClient] = useState(view.client_id ?? '');
  const [secret, setSecret] = useState('');
  const [authority, setAuthority] = useState(view.authority_url);
  const [graph, setGraph] = useState(view.graph_url);
  const fe = form.state.fieldErrors;
  return (
    <form
      className="subsection form-grid"
      aria-label="Microsoft Entra ID"
      onSubmit={async (event) => {
        event.preventDefault();
        const ok = await form.run(() =>
          api().integrations.update('entra', {
            tenant_id: tenant.trim(),
            client_id: client.trim(),
            authority_url: authority.trim() || null,
            graph_url: graph.trim() || null,
            ...(secret ? { client_secret: secret } : {}),
          }),
        );
        if (ok) setSecret('');
      }}
    >
      <h3>
        Microsoft Entra ID <StatusBadge configured={view.configured} />
      </h3>
      <Field label="Directory (tenant) id" error={fe.tenant_id} hint="A GUID or a verified domain such as contoso.onmicrosoft.com">
        {(props) => <input {...props} value={tenant} onChange={(e) => setTenant(e.target.value)} />}
      </Field>
      <Field label="Application (client) id" error={fe.client_id} hint="The app registration with Graph application permissions User.ReadWrite.All, User.RevokeSessions.All and UserAuthenticationMethod.ReadWrite.All (admin consent).">
        {(props) => <input {...props} value={client} onChange={(e) => setClient(e.target.value)} />}
      </Field>
      <SecretField label="Client secret" stored={view.client_secret_set} value={secret} onChange={setSecret} error={fe.client_secret} placeholder="the secret value, not its id" />
      <Field label="Token endpoint" error={fe.authority_url} hint="Change only for a national cloud.">
        {(props) => <input {...props} value={authority} onChange={(e) => setAuthority(e.target.value)} />}
      </Field>
      <Field label="Microsoft Graph" error={fe.graph_url} hint="Change only for a national cloud.">
        {(props) => <input {...props} value={graph} onChange={(e) => setGraph(e.target.value)} />}
      </Field>
      <Actions
        name="Entra ID"
        configured={view.configured}
        form={form}
        onRemove={() => {
          void form.run(() => api().integrations.remove('entra')).then((ok) => {
            if (!ok) return;
            setTenant('');
            setClient('');
          });
        }}
      />
      <ErrorText>{form.state.error}</ErrorText>
    </form>
  );
}

export function IntegrationsPanel() {
  const [views, setViews] = useState<IntegrationView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api()
      .integrations.list()
      .then((result) => setViews(result.data), (e: unknown) => setError(messageOf(e)));
  }, []);

  const replace = (view: IntegrationView) => setViews((current) => (current ?? []).map((v) => (v.name === view.name ? view : v)));
  const okta = views?.find((v): v is OktaView => v.name === 'okta');
  const entra = views?.find((v): v is EntraView => v.name === 'entra');

  return (
    <div className="card" aria-label="Integrations" role="region">
      <h2>Integrations</h2>
      <p className="hint">
        Identity providers for <code>ctx.integrations</code> and the nine built-in identity workflows. The built-ins show{' '}
        <em>not configured</em> until their integration is set up here. Credentials stay in the OS keychain and never enter a
        workflow.
      </p>
      <ErrorText>{error}</ErrorText>
      {okta && <OktaForm view={okta} onView={replace} />}
      {entra && <EntraForm view={entra} onView={replace} />}
    </div>
  );
}
