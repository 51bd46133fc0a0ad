// Code generation: which LLM provider writes workflows (Anthropic, or an OpenAI-compatible server
// on this machine), its model, URL, timeout and API key.
import { useEffect, useRef, useState } from 'react';
import type { LlmProviderName, LlmSettingsView } from '../../api/types.ts';
import { Badge, Field } from '../../components/ui.tsx';
import { KEEP } from '../../lib/secret-change.ts';
import { buildLlmUpdate, MAX_LLM_TIMEOUT_SECONDS, useSettings, type LlmForm } from '../../stores/settings.ts';
import { SaveActions } from './SaveActions.tsx';
import { SecretInput } from './SecretInput.tsx';

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
    key: KEEP,
  };
}

/**
 * Keys are kept per provider, and the server reports only the saved provider's: for another one
 * the console cannot say whether a key exists until the choice is saved.
 */
function keyHint(provider: LlmProviderName, stored: boolean | null): string | undefined {
  if (stored === null) return `Each provider keeps its own key. Type one to store it for ${PROVIDER_LABELS[provider]}, or save to see whether one is stored.`;
  if (stored) return undefined;
  return provider === 'openai_compatible' ? 'Optional: most local servers (Ollama, LM Studio) need none.' : 'Required: create one in the Anthropic console.';
}

export function LlmCard({ focus }: { focus: boolean }) {
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
  const keyStored = provider !== '' && provider === llm.provider ? llm.api_key_set : null;

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
          <select {...props} ref={providerRef} value={provider} onChange={(e) => update({ provider: e.target.value as LlmProviderName | '', key: KEEP })}>
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
              <input {...props} type="number" min={1} max={MAX_LLM_TIMEOUT_SECONDS} value={form.timeout} onChange={(e) => update({ timeout: e.target.value })} />
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
          <SecretInput
            label="API key"
            stored={keyStored}
            change={form.key}
            onChange={(key) => update({ key })}
            placeholder={provider === 'anthropic' ? 'sk-ant-…' : 'optional'}
            hint={keyHint(provider, keyStored)}
            error={fe.api_key}
          />
        </>
      )}
      <SaveActions state={state} label="Save LLM settings" />
    </form>
  );
}
