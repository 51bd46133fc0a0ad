// Settings → Integrations: Okta and Microsoft Entra ID, the credentials behind ctx.integrations and
// the built-in identity workflows. "Test connection" runs the client's checkConnection() in the
// sandbox and shows what the vendor said. A credential goes only with its integration (Remove).
import { useEffect, useState, type ReactNode } from 'react';
import type { EntraView, IntegrationName, OktaView } from '../../api/types.ts';
import { Badge, ErrorText, Field } from '../../components/ui.tsx';
import { KEEP, secretUpdate, type SecretChange } from '../../lib/secret-change.ts';
import { useSettings } from '../../stores/settings.ts';
import { ProbeLine } from './ProbeLine.tsx';
import { SaveActions } from './SaveActions.tsx';
import { SectionForm } from './SectionForm.tsx';
import { SecretInput } from './SecretInput.tsx';

/** The form follows the server's view: after a save or a removal it shows what is stored now. */
function useForm<V, F>(view: V, formOf: (view: V) => F) {
  const [form, setForm] = useState(() => formOf(view));
  useEffect(() => setForm(formOf(view)), [view, formOf]);
  const update = (change: Partial<F>) => setForm((current) => ({ ...current, ...change }));
  return [form, update] as const;
}

/** The typed credential, if any: integrations take a new one or keep theirs, never none. */
function typed(change: SecretChange): string | undefined {
  return secretUpdate(change) ?? undefined;
}

function IntegrationForm({
  name,
  title,
  short,
  configured,
  onSave,
  children,
}: {
  name: IntegrationName;
  title: string;
  /** The name on the Save button. */
  short: string;
  configured: boolean;
  onSave: () => void;
  children: ReactNode;
}) {
  const state = useSettings((s) => s.sections[name]);
  const test = useSettings((s) => s.tests[name]);
  return (
    <SectionForm title={title} badge={configured ? <Badge value="success">configured</Badge> : <Badge value="none">not configured</Badge>} onSave={onSave}>
      {children}
      <SaveActions
        state={state}
        label={`Save ${short}`}
        status={
          <ProbeLine
            probe={test}
            running="Testing the connection…"
            describe={(r) => ({ ok: r.ok, text: r.ok ? `Connected: ${r.message}` : `Connection failed (${r.code}): ${r.message}` })}
          />
        }
      >
        <button type="button" disabled={!configured || test?.running} onClick={() => void useSettings.getState().testIntegration(name)}>
          Test connection
        </button>
        {configured && (
          <button type="button" className="quiet" disabled={state.saving} onClick={() => void useSettings.getState().removeIntegration(name)}>
            Remove
          </button>
        )}
      </SaveActions>
    </SectionForm>
  );
}

const oktaForm = (view: OktaView) => ({ orgUrl: view.org_url ?? '', token: KEEP });

function OktaForm({ view }: { view: OktaView }) {
  const [form, update] = useForm(view, oktaForm);
  const fe = useSettings((s) => s.sections.okta.fieldErrors);
  const token = typed(form.token);
  return (
    <IntegrationForm
      name="okta"
      title="Okta"
      short="Okta"
      configured={view.configured}
      onSave={() => void useSettings.getState().saveIntegration('okta', { org_url: form.orgUrl.trim(), ...(token ? { api_token: token } : {}) })}
    >
      <Field label="Org URL" error={fe.org_url} hint="Your Okta org, e.g. https://example.okta.com">
        {(props) => <input {...props} value={form.orgUrl} onChange={(e) => update({ orgUrl: e.target.value })} placeholder="https://example.okta.com" />}
      </Field>
      <SecretInput
        label="API token"
        stored={view.api_token_set}
        change={form.token}
        onChange={(token) => update({ token })}
        removable={false}
        error={fe.api_token}
        placeholder="00ab…"
      />
    </IntegrationForm>
  );
}

const entraForm = (view: EntraView) => ({
  tenant: view.tenant_id ?? '',
  client: view.client_id ?? '',
  secret: KEEP,
  authority: view.authority_url,
  graph: view.graph_url,
});

function EntraForm({ view }: { view: EntraView }) {
  const [form, update] = useForm(view, entraForm);
  const fe = useSettings((s) => s.sections.entra.fieldErrors);
  const secret = typed(form.secret);
  return (
    <IntegrationForm
      name="entra"
      title="Microsoft Entra ID"
      short="Entra ID"
      configured={view.configured}
      onSave={() =>
        void useSettings.getState().saveIntegration('entra', {
          tenant_id: form.tenant.trim(),
          client_id: form.client.trim(),
          authority_url: form.authority.trim() || null,
          graph_url: form.graph.trim() || null,
          ...(secret ? { client_secret: secret } : {}),
        })
      }
    >
      <Field label="Directory (tenant) id" error={fe.tenant_id} hint="A GUID or a verified domain such as contoso.onmicrosoft.com">
        {(props) => <input {...props} value={form.tenant} onChange={(e) => update({ tenant: e.target.value })} />}
      </Field>
      <Field
        label="Application (client) id"
        error={fe.client_id}
        hint="The app registration with Graph application permissions User.ReadWrite.All, User.RevokeSessions.All and UserAuthenticationMethod.ReadWrite.All (admin consent)."
      >
        {(props) => <input {...props} value={form.client} onChange={(e) => update({ client: e.target.value })} />}
      </Field>
      <SecretInput
        label="Client secret"
        stored={view.client_secret_set}
        change={form.secret}
        onChange={(secret) => update({ secret })}
        removable={false}
        error={fe.client_secret}
        placeholder="the secret value, not its id"
      />
      <Field label="Token endpoint" error={fe.authority_url} hint="Change only for a national cloud.">
        {(props) => <input {...props} value={form.authority} onChange={(e) => update({ authority: e.target.value })} />}
      </Field>
      <Field label="Microsoft Graph" error={fe.graph_url} hint="Change only for a national cloud.">
        {(props) => <input {...props} value={form.graph} onChange={(e) => update({ graph: e.target.value })} />}
      </Field>
    </IntegrationForm>
  );
}

export function IntegrationsPanel() {
  const views = useSettings((s) => s.integrations);
  const error = useSettings((s) => s.loadErrors.integrations);
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
      {okta && <OktaForm view={okta} />}
      {entra && <EntraForm view={entra} />}
    </div>
  );
}
