// Settings: execution (pause agents, rate limit, concurrency), notifications (desktop, Slack,
// Teams, each with a test message), code generation (LLM provider), the data folder and, in the
// desktop app, start at login. Secrets here are write-only: the form says whether one is stored.
// Without a usable OS keychain a banner says why, and the secret fields are disabled.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { LlmProviderName, LlmSettingsView, NotifierView } from '../api/types.ts';
import type { SettingsSection } from '../lib/routes.ts';
import { TokenList } from '../components/TokenList.tsx';
import { Badge, ErrorText, Field, Progress } from '../components/ui.tsx';
import { KeychainBanner } from '../components/KeychainBanner.tsx';
import { buildLlmUpdate, MAX_LLM_TIMEOUT_SECONDS, useKeychainUnavailable, useSettings, type KeyChange, type LlmForm, type SectionState } from '../stores/settings.ts';
import { IntegrationsPanel } from './settings/IntegrationsPanel.tsx';

/** Keep the stored value (undefined), replace it (a string), or remove it (null). */
type SecretChange = string | null | undefined;

function SavedNote({ state }: { state: SectionState }) {
  if (state.saving || state.error || !state.savedAt) return null;
  return (
    <span className="ok-text" role="status">
      Saved.
    </span>
  );
}

function SecretInput({
  label,
  stored,
  value,
  onChange,
  error,
  hint,
  placeholder,
}: {
  label: string;
  /** null: not known, the keychain cannot be read. */
  stored: boolean | null;
  value: SecretChange;
  onChange: (value: SecretChange) => void;
  error?: string;
  hint?: ReactNode;
  placeholder?: string;
}) {
  const unavailable = useKeychainUnavailable();
  return (
    <Field
      label={label}
      error={error}
      hint={
        unavailable ? (
          'Kept in the OS keychain, which is unavailable (see above).'
        ) : (
          <>
            {value === null ? 'Will be removed when you save.' : stored ? 'Stored in the keychain. Type to replace it.' : 'Not set.'}
            {hint ? <> {hint}</> : null}
          </>
        )
      }
    >
      {(props) => (
        <span className="secret-input">
          <input
            {...props}
            type="password"
            autoComplete="off"
            placeholder={unavailable ? 'keychain unavailable' : stored ? '•••••••• (stored)' : placeholder}
            value={typeof value === 'string' ? value : ''}
            disabled={value === null || unavailable}
            onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
          />
          {stored && value !== null && !unavailable && (
            <button type="button" className="quiet" onClick={() => onChange(null)}>
              Remove
            </button>
          )}
          {value === null && (
            <button type="button" className="quiet" onClick={() => onChange(undefined)}>
              Keep
            </button>
          )}
        </span>
      )}
    </Field>
  );
}

export function SettingsView({ section }: { section?: SettingsSection }) {
  const { settings, notifiers, llm, loading, loadErrors, shell } = useSettings();

  useEffect(() => {
    document.title = 'Settings · Vigil';
    void useSettings.getState().load();
  }, []);

  return (
    <section className="view" aria-labelledby="settings-title">
      <header className="view-header">
        <h1 id="settings-title">Settings</h1>
      </header>
      <KeychainBanner status={settings?.keychain} />
      <Progress active={loading} label="Loading settings" />
      <ErrorText>{loadErrors.settings}</ErrorText>
      {settings && <ExecutionCard />}
      <ErrorText>{loadErrors.notifiers}</ErrorText>
      {notifiers && <NotificationsCard notifiers={notifiers} />}
      <ErrorText>{loadErrors.llm}</ErrorText>
      {llm && <LlmCard focus={section === 'llm'} />}
      {settings && <IntegrationsPanel />}
      {settings && (
        <div className="card">
          <h2>Data folder</h2>
          <p className="mono selectable">{settings.data_dir}</p>
          <p className="hint">
            Holds <code>vigil.db</code>: workflows, versions, runs, approvals, key hashes and secret names. Secret values,
            tokens and API keys are in the OS keychain, not here.
          </p>
          {window.vigil && (
            <button type="button" onClick={() => void window.vigil?.showItemInFolder(`${settings.data_dir}/vigil.db`)}>
              Show in folder
            </button>
          )}
        </div>
      )}
      {window.vigil && (
        <div className="card">
          <h2>Desktop app</h2>
          <ErrorText>{loadErrors.shell}</ErrorText>
          {shell && (
            <label className="toggle">
              <input
                type="checkbox"
                checked={shell.startAtLogin}
                onChange={(e) => void useSettings.getState().updateShell({ startAtLogin: e.target.checked })}
              />
              <span>Start Vigil in the tray when I log in</span>
            </label>
          )}
        </div>
      )}
    </section>
  );
}

function ExecutionCard() {
  const settings = useSettings((s) => s.settings)!;
  const state = useSettings((s) => s.sections.execution);
  const [paused, setPaused] = useState(settings.execution_paused);
  const [rate, setRate] = useState(String(settings.execute_rate_limit_per_minute));
  const [concurrency, setConcurrency] = useState(String(settings.run_concurrency));
  const [local, setLocal] = useState<Record<string, string>>({});

  useEffect(() => {
    setPaused(settings.execution_paused);
    setRate(String(settings.execute_rate_limit_per_minute));
    setConcurrency(String(settings.run_concurrency));
  }, [settings]);

  const save = () => {
    const errors: Record<string, string> = {};
    const rateValue = Number(rate);
    const concurrencyValue = Number(concurrency);
    if (!Number.isInteger(rateValue) || rateValue < 0 || rateValue > 100_000) {
      errors.execute_rate_limit_per_minute = 'A whole number from 0 (no limit) to 100,000.';
    }
    if (!Number.isInteger(concurrencyValue) || concurrencyValue < 1 || concurrencyValue > 1000) {
      errors.run_concurrency = 'A whole number from 1 to 1,000.';
    }
    setLocal(errors);
    if (Object.keys(errors).length > 0) return;
    void useSettings.getState().saveExecution({
      execution_paused: paused,
      execute_rate_limit_per_minute: rateValue,
      run_concurrency: concurrencyValue,
    });
  };
  const errorFor = (field: string) => local[field] ?? state.fieldErrors[field];

  return (
    <form
      className="card form-grid"
      aria-label="Execution"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <h2>Execution</h2>
      <label className="toggle">
        <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} />
        <span>
          <strong>Pause agent executions</strong>
          <span className="hint block">Agents then get 503 EXECUTION_PAUSED; analysts can still run workflows and decide approvals.</span>
        </span>
      </label>
      <Field label="Executions per key per minute" error={errorFor('execute_rate_limit_per_minute')} hint="0 turns the limit off. Callers over it get 429.">
        {(props) => <input {...props} type="number" min={0} max={100000} value={rate} onChange={(e) => setRate(e.target.value)} />}
      </Field>
      <Field label="Runs at once" error={errorFor('run_concurrency')} hint="More runs wait in the queue, in order.">
        {(props) => <input {...props} type="number" min={1} max={1000} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} />}
      </Field>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={state.saving}>
          {state.saving ? 'Saving…' : 'Save execution settings'}
        </button>
        <SavedNote state={state} />
      </div>
      <ErrorText>{state.error}</ErrorText>
    </form>
  );
}

function TestResultLine({ channel }: { channel: 'slack' | 'teams' }) {
  const test = useSettings((s) => s.tests[channel]);
  if (!test) return null;
  if (test.running) return <span className="muted small" role="status">Sending a test message…</span>;
  if (test.error) return <ErrorText>{test.error}</ErrorText>;
  if (!test.result) return null;
  const r = test.result;
  return r.delivered ? (
    <span className="ok-text" role="status">
      Delivered to {r.target}
      {r.status !== null ? ` (HTTP ${r.status})` : ''}.
    </span>
  ) : (
    <ErrorText>
      Not delivered to {r.target}: {r.error ?? r.answer ?? `HTTP ${r.status}`}
    </ErrorText>
  );
}

function NotificationsCard({ notifiers }: { notifiers: NotifierView }) {
  const desktopState = useSettings((s) => s.sections.desktop);
  return (
    <div className="card">
      <h2>Notifications</h2>
      {notifiers.warnings.length > 0 && (
        <ul className="warn-list" aria-label="Notifier warnings">
          {notifiers.warnings.map((w) => (
            <li key={w} className="warn-text">
              {w}
            </li>
          ))}
        </ul>
      )}
      <h3>Desktop</h3>
      <label className="toggle">
        <input
          type="checkbox"
          checked={notifiers.desktop.enabled}
          onChange={(e) => void useSettings.getState().saveNotifiers('desktop', { desktop: { enabled: e.target.checked } })}
        />
        <span>
          Notify me of new approval requests
          {notifiers.desktop.adapter === 'log' && (
            <span className="hint block">Headless (vigil serve): notifications go to the log; the desktop app shows them.</span>
          )}
        </span>
      </label>
      <label className="toggle">
        <input
          type="checkbox"
          checked={notifiers.desktop.run_failed}
          onChange={(e) => void useSettings.getState().saveNotifiers('desktop', { desktop: { run_failed: e.target.checked } })}
        />
        <span>Also when a run fails or times out</span>
      </label>
      <ErrorText>{desktopState.error}</ErrorText>
      <SlackSection slack={notifiers.slack} />
      <TeamsSection teams={notifiers.teams} />
    </div>
  );
}

function SlackSection({ slack }: { slack: NotifierView['slack'] }) {
  const state = useSettings((s) => s.sections.slack);
  const testing = useSettings((s) => s.tests.slack?.running ?? false);
  const [enabled, setEnabled] = useState(slack.enabled);
  const [mode, setMode] = useState(slack.mode);
  const [channel, setChannel] = useState(slack.default_channel ?? '');
  const [approvers, setApprovers] = useState(slack.approvers);
  const [socketMode, setSocketMode] = useState(slack.socket_mode);
  const [runFailed, setRunFailed] = useState(slack.notify_run_failed);
  const [botToken, setBotToken] = useState<SecretChange>(undefined);
  const [appToken, setAppToken] = useState<SecretChange>(undefined);
  const [signingSecret, setSigningSecret] = useState<SecretChange>(undefined);
  const [webhook, setWebhook] = useState<SecretChange>(undefined);
  const fe = state.fieldErrors;

  const save = async () => {
    const ok = await useSettings.getState().saveNotifiers('slack', {
      slack: {
        enabled,
        mode,
        default_channel: channel.trim() || null,
        approvers,
        socket_mode: socketMode,
        notify_run_failed: runFailed,
        ...(botToken !== undefined ? { bot_token: botToken } : {}),
        ...(appToken !== undefined ? { app_token: appToken } : {}),
        ...(signingSecret !== undefined ? { signing_secret: signingSecret } : {}),
        ...(webhook !== undefined ? { webhook_url: webhook } : {}),
      },
    });
    if (ok) {
      setBotToken(undefined);
      setAppToken(undefined);
      setSigningSecret(undefined);
      setWebhook(undefined);
    }
  };

  return (
    <form
      className="subsection form-grid"
      aria-label="Slack"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <h3>
        Slack {slack.socket && slack.socket.state !== 'off' && <Badge value={slack.socket.state === 'connected' ? 'success' : slack.socket.state === 'failed' ? 'failed' : 'pending'}>Socket Mode: {slack.socket.state}</Badge>}
      </h3>
      <label className="toggle">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        <span>Post approval requests to Slack</span>
      </label>
      <Field label="How to post" error={fe.mode}>
        {(props) => (
          <select {...props} value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
            <option value="bot">Bot token (buttons, messages updated after a decision)</option>
            <option value="webhook">Incoming webhook (a link to decide in the browser)</option>
          </select>
        )}
      </Field>
      {mode === 'bot' ? (
        <>
          <SecretInput label="Bot token" stored={slack.credentials.bot_token} value={botToken} onChange={setBotToken} error={fe.bot_token} placeholder="xoxb-…" />
          <Field label="Default channel" error={fe.default_channel} hint="A channel id (C0123ABCD) or #name.">
            {(props) => <input {...props} value={channel} onChange={(e) => setChannel(e.target.value)} placeholder="#soc-approvals" />}
          </Field>
          <label className="toggle">
            <input type="checkbox" checked={socketMode} onChange={(e) => setSocketMode(e.target.checked)} />
            <span>
              Receive button clicks over Socket Mode
              <span className="hint block">Slack connects out from this machine: nothing needs to listen publicly.</span>
            </span>
          </label>
          <SecretInput label="App-level token (Socket Mode)" stored={slack.credentials.app_token} value={appToken} onChange={setAppToken} error={fe.app_token} placeholder="xapp-…" />
          <SecretInput
            label="Signing secret (HTTP callback)"
            stored={slack.credentials.signing_secret}
            value={signingSecret}
            onChange={setSigningSecret}
            error={fe.signing_secret}
            hint="Only for a server Slack can reach."
          />
          <TokenList
            label="Who may approve from Slack"
            values={approvers}
            onChange={setApprovers}
            placeholder="U0123ABCD"
            mono
            error={fe.approvers}
            hint="Slack user ids. Empty: nobody may decide from Slack."
            validate={(value) => (/^[UW][A-Z0-9]{2,30}$/.test(value) ? null : 'a Slack user id, like U0123ABCD')}
          />
        </>
      ) : (
        <SecretInput label="Webhook URL" stored={slack.credentials.webhook_url} value={webhook} onChange={setWebhook} error={fe.webhook_url} placeholder="https://hooks.slack.com/services/…" />
      )}
      <label className="toggle">
        <input type="checkbox" checked={runFailed} onChange={(e) => setRunFailed(e.target.checked)} />
        <span>Also post when a run fails or times out</span>
      </label>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={state.saving}>
          {state.saving ? 'Saving…' : 'Save Slack settings'}
        </button>
        <button type="button" disabled={testing} onClick={() => void useSettings.getState().testNotifier('slack')}>
          Send test to Slack
        </button>
        <SavedNote state={state} />
        <TestResultLine channel="slack" />
      </div>
      <ErrorText>{state.error}</ErrorText>
    </form>
  );
}

function TeamsSection({ teams }: { teams: NotifierView['teams'] }) {
  const state = useSettings((s) => s.sections.teams);
  const testing = useSettings((s) => s.tests.teams?.running ?? false);
  const [enabled, setEnabled] = useState(teams.enabled);
  const [runFailed, setRunFailed] = useState(teams.notify_run_failed);
  const [webhook, setWebhook] = useState<SecretChange>(undefined);

  return (
    <form
      className="subsection form-grid"
      aria-label="Microsoft Teams"
      onSubmit={async (event) => {
        event.preventDefault();
        const ok = await useSettings.getState().saveNotifiers('teams', {
          teams: { enabled, notify_run_failed: runFailed, ...(webhook !== undefined ? { webhook_url: webhook } : {}) },
        });
        if (ok) setWebhook(undefined);
      }}
    >
      <h3>Microsoft Teams</h3>
      <label className="toggle">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        <span>Post approval requests to Teams (an Adaptive Card with a link to decide in the browser)</span>
      </label>
      <SecretInput
        label="Webhook or workflow URL"
        stored={teams.credentials.webhook_url}
        value={webhook}
        onChange={setWebhook}
        error={state.fieldErrors.webhook_url}
        placeholder="https://…"
      />
      <label className="toggle">
        <input type="checkbox" checked={runFailed} onChange={(e) => setRunFailed(e.target.checked)} />
        <span>Also post when a run fails or times out</span>
      </label>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={state.saving}>
          {state.saving ? 'Saving…' : 'Save Teams settings'}
        </button>
        <button type="button" disabled={testing} onClick={() => void useSettings.getState().testNotifier('teams')}>
          Send test to Teams
        </button>
        <SavedNote state={state} />
        <TestResultLine channel="teams" />
      </div>
      <ErrorText>{state.error}</ErrorText>
    </form>
  );
}

const PROVIDER_LABELS: Record<LlmProviderName, string> = {
  anthropic: 'Anthropic',
  openai_compatible: 'OpenAI-compatible server',
};

/** Why generation cannot run yet, in words, from what the server reports. */
function llmStatus(llm: LlmSettingsView): { ready: boolean; text: string } {
  if (llm.configured) return { ready: true, text: `ready · ${llm.effective_model ?? ''}` };
  if (!llm.provider) return { ready: false, text: 'off' };
  if (llm.provider === 'anthropic') return { ready: false, text: 'needs an API key' };
  return { ready: false, text: 'needs a base URL and a model' };
}

function formOf(llm: LlmSettingsView): LlmForm {
  return {
    provider: llm.provider ?? '',
    model: llm.model ?? '',
    baseUrl: llm.base_url ?? '',
    timeout: String(llm.timeout_seconds),
    structuredOutput: llm.structured_output,
    key: { mode: 'keep' },
  };
}

/**
 * The stored key is never sent to the console: the form only knows whether one is stored, and
 * offers to replace or remove it. Keys are kept per provider, so for a provider other than the
 * saved one the console cannot say whether a key exists until the choice is saved.
 */
function ApiKeyField({
  provider,
  known,
  stored,
  change,
  onChange,
  error,
}: {
  provider: LlmProviderName;
  known: boolean;
  stored: boolean;
  change: KeyChange;
  onChange: (change: KeyChange) => void;
  error?: string;
}) {
  const id = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const unavailable = useKeychainUnavailable();
  const typing = !unavailable && (change.mode === 'replace' || (!stored && change.mode === 'keep'));
  const status = unavailable ? 'keychain unavailable' : !known ? 'unknown until saved' : stored ? 'set' : 'not set';
  const hint = unavailable
    ? 'Kept in the OS keychain, which is unavailable (see above). The other settings save as usual.'
    : change.mode === 'remove'
      ? 'Will be removed from the keychain when you save.'
      : change.mode === 'replace'
        ? stored
          ? 'The stored key is replaced when you save.'
          : 'Stored in the OS keychain when you save; never shown again.'
        : !known
          ? `Each provider keeps its own key. Type one to store it for ${PROVIDER_LABELS[provider]}, or save to see whether one is stored.`
          : stored
            ? 'Stored in the OS keychain. It is never shown, only replaced or removed.'
            : provider === 'openai_compatible'
              ? 'Optional: most local servers (Ollama, LM Studio) need none.'
              : 'Required: create one in the Anthropic console. Stored in the OS keychain.';

  useEffect(() => {
    if (change.mode === 'replace' && stored) inputRef.current?.focus();
  }, [change.mode, stored]);

  return (
    <div className="field api-key-field">
      <span className="label-text" id={`${id}-label`}>
        API key{' '}
        <span className={`key-status ${known && stored && change.mode !== 'remove' ? 'ok-text' : 'muted'}`} data-testid="api-key-status">
          {change.mode === 'remove' ? 'set · to be removed' : status}
        </span>
      </span>
      <span className="secret-input">
        {typing && (
          <input
            ref={inputRef}
            id={id}
            type="password"
            autoComplete="off"
            aria-label="API key"
            aria-invalid={Boolean(error)}
            aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
            value={change.mode === 'replace' ? change.value : ''}
            placeholder={provider === 'anthropic' ? 'sk-ant-…' : 'optional'}
            onChange={(e) => onChange({ mode: 'replace', value: e.target.value })}
          />
        )}
        {known && stored && change.mode === 'keep' && !unavailable && (
          <>
            <button type="button" onClick={() => onChange({ mode: 'replace', value: '' })}>
              Replace
            </button>
            <button type="button" className="quiet danger-text" onClick={() => onChange({ mode: 'remove' })}>
              Remove
            </button>
          </>
        )}
        {known && stored && change.mode !== 'keep' && !unavailable && (
          <button type="button" className="quiet" onClick={() => onChange({ mode: 'keep' })}>
            Keep the stored key
          </button>
        )}
      </span>
      <p className="hint" id={`${id}-hint`}>
        {hint}
      </p>
      {error && (
        <p className="error-text" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

function LlmCard({ focus }: { focus: boolean }) {
  const llm = useSettings((s) => s.llm)!;
  const state = useSettings((s) => s.sections.llm);
  const [form, setFormState] = useState<LlmForm>(() => formOf(llm));
  const [local, setLocal] = useState<Record<string, string>>({});
  const cardRef = useRef<HTMLFormElement>(null);
  const providerRef = useRef<HTMLSelectElement>(null);
  const status = llmStatus(llm);
  const fe = { ...state.fieldErrors, ...local };

  // What the server answered after a save (trimmed URL, defaults) is what the form shows next.
  useEffect(() => setFormState(formOf(llm)), [llm]);

  // Arrived from a link to this section (the Generate dialog when no provider is set up).
  useEffect(() => {
    if (!focus) return;
    cardRef.current?.scrollIntoView({ block: 'start' });
    providerRef.current?.focus({ preventScroll: true });
  }, [focus]);

  const update = (change: Partial<LlmForm>) => {
    setFormState((f) => ({ ...f, ...change }));
    setLocal((errors) => {
      const next = { ...errors };
      if ('timeout' in change) delete next.timeout_seconds;
      return next;
    });
  };

  const provider = form.provider;
  const known = provider !== '' && provider === llm.provider;

  return (
    <form
      ref={cardRef}
      className="card form-grid"
      aria-label="Code generation"
      id="settings-llm"
      onSubmit={(event) => {
        event.preventDefault();
        const built = buildLlmUpdate(form);
        if ('errors' in built) {
          setLocal(built.errors);
          return;
        }
        setLocal({});
        void useSettings.getState().saveLlm(built.update);
      }}
    >
      <h2>
        Code generation <span className="muted small">· LLM provider</span>{' '}
        <Badge value={status.ready ? 'success' : 'none'}>{status.text}</Badge>
      </h2>
      <p className="hint span-all">
        <strong>New with AI</strong> in the workflow list and <strong>Generate</strong> in the editor write a workflow from a
        description with this model; the code is linted,
        type-checked and test-run before you see it. A local OpenAI-compatible server keeps everything on this machine.
      </p>
      <Field label="Provider" error={fe.provider}>
        {(props) => (
          <select
            {...props}
            ref={providerRef}
            value={provider}
            onChange={(e) => update({ provider: e.target.value as LlmProviderName | '', key: { mode: 'keep' } })}
          >
            <option value="">Off</option>
            <option value="anthropic">Anthropic</option>
            <option value="openai_compatible">OpenAI-compatible server (Ollama, LM Studio, vLLM…)</option>
          </select>
        )}
      </Field>
      {provider && (
        <>
          <Field
            label="Model"
            error={fe.model}
            hint={provider === 'anthropic' ? 'Empty: a current Sonnet.' : 'Required: the model name the server knows, e.g. qwen2.5-coder:14b.'}
          >
            {(props) => <input {...props} className="mono" value={form.model} spellCheck={false} onChange={(e) => update({ model: e.target.value })} />}
          </Field>
          <Field
            label="Base URL"
            error={fe.base_url}
            hint={provider === 'anthropic' ? 'Empty: the official API.' : 'Required: the server’s /v1 URL, e.g. http://127.0.0.1:11434/v1 for Ollama.'}
          >
            {(props) => (
              <input
                {...props}
                className="mono"
                inputMode="url"
                value={form.baseUrl}
                spellCheck={false}
                placeholder={provider === 'anthropic' ? 'https://api.anthropic.com' : 'http://127.0.0.1:11434/v1'}
                onChange={(e) => update({ baseUrl: e.target.value })}
              />
            )}
          </Field>
          <Field label="Timeout per request (seconds)" error={fe.timeout_seconds} hint="One model answer; a generation makes up to three.">
            {(props) => (
              <input
                {...props}
                type="number"
                min={1}
                max={MAX_LLM_TIMEOUT_SECONDS}
                value={form.timeout}
                onChange={(e) => update({ timeout: e.target.value })}
              />
            )}
          </Field>
          {provider === 'openai_compatible' && (
            <Field label="Structured output" error={fe.structured_output} hint="How the server is asked for the answer’s JSON; try the other if a model ignores one.">
              {(props) => (
                <select {...props} value={form.structuredOutput} onChange={(e) => update({ structuredOutput: e.target.value as LlmForm['structuredOutput'] })}>
                  <option value="json_schema">JSON schema (response_format)</option>
                  <option value="tool">Forced tool call</option>
                </select>
              )}
            </Field>
          )}
          <ApiKeyField
            provider={provider}
            known={known}
            stored={known && llm.api_key_set}
            change={form.key}
            onChange={(key) => update({ key })}
            error={fe.api_key}
          />
        </>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={state.saving}>
          {state.saving ? 'Saving…' : 'Save LLM settings'}
        </button>
        <SavedNote state={state} />
      </div>
      <ErrorText>{state.error}</ErrorText>
    </form>
  );
}
