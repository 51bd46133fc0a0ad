// One chat notifier (Slack, Microsoft Teams): whether it posts approval requests, its channel's own
// settings and credentials, whether it also posts failed runs, then save and a test message. The
// channels differ only in their fields, which the caller lays out with `secret` for credentials.
import { useState, type ReactNode } from 'react';
import type { NotifierUpdate } from '../../api/types.ts';
import { KEEP, secretUpdates, type SecretChange } from '../../lib/secret-change.ts';
import { useSettings, type NotifierChannel } from '../../stores/settings.ts';
import { ProbeLine } from './ProbeLine.tsx';
import { SaveActions } from './SaveActions.tsx';
import { SectionForm } from './SectionForm.tsx';
import { SecretInput } from './SecretInput.tsx';

/** What every notifier's view has in common. */
interface NotifierBase {
  enabled: boolean;
  notify_run_failed: boolean;
  credentials: Record<string, boolean | null>;
}

const CHANNELS: Record<NotifierChannel, { title: string; short: string; posts: string }> = {
  slack: { title: 'Slack', short: 'Slack', posts: 'Post approval requests to Slack' },
  teams: {
    title: 'Microsoft Teams',
    short: 'Teams',
    posts: 'Post approval requests to Teams (an Adaptive Card with a link to decide in the browser)',
  },
};

interface SecretFieldProps {
  label: string;
  placeholder?: string;
  hint?: ReactNode;
}

export function NotifierForm<V extends NotifierBase>({
  channel,
  view,
  settings = {},
  badge,
  children,
}: {
  channel: NotifierChannel;
  view: V;
  /** The channel's own settings as the form holds them; sent with every save. */
  settings?: NonNullable<NotifierUpdate[NotifierChannel]>;
  badge?: ReactNode;
  children: (secret: (name: keyof V['credentials'] & string, field: SecretFieldProps) => ReactNode) => ReactNode;
}) {
  const { title, short, posts } = CHANNELS[channel];
  const state = useSettings((s) => s.sections[channel]);
  const test = useSettings((s) => s.tests[channel]);
  // Taken from the view once: a save answers with every notifier's view, which must not reset
  // another notifier's unsaved edits. Credentials go back to "keep" after this form's own save.
  const [enabled, setEnabled] = useState(view.enabled);
  const [runFailed, setRunFailed] = useState(view.notify_run_failed);
  const [secrets, setSecrets] = useState<Partial<Record<string, SecretChange>>>({});

  const save = async () => {
    const update = { [channel]: { ...settings, enabled, notify_run_failed: runFailed, ...secretUpdates(secrets) } } as NotifierUpdate;
    if (await useSettings.getState().saveNotifiers(channel, update)) setSecrets({});
  };

  const secret = (name: keyof V['credentials'] & string, field: SecretFieldProps) => (
    <SecretInput
      key={name}
      {...field}
      stored={view.credentials[name] ?? null}
      change={secrets[name] ?? KEEP}
      onChange={(change) => setSecrets((current) => ({ ...current, [name]: change }))}
      error={state.fieldErrors[name]}
    />
  );

  return (
    <SectionForm title={title} badge={badge} onSave={() => void save()}>
      <label className="toggle">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        <span>{posts}</span>
      </label>
      {children(secret)}
      <label className="toggle">
        <input type="checkbox" checked={runFailed} onChange={(e) => setRunFailed(e.target.checked)} />
        <span>Also post when a run fails or times out</span>
      </label>
      <SaveActions
        state={state}
        label={`Save ${short} settings`}
        status={
          <ProbeLine
            probe={test}
            running="Sending a test message…"
            describe={(r) => ({
              ok: r.delivered,
              text: r.delivered
                ? `Delivered to ${r.target}${r.status !== null ? ` (HTTP ${r.status})` : ''}.`
                : `Not delivered to ${r.target}: ${r.error ?? r.answer ?? `HTTP ${r.status}`}`,
            })}
          />
        }
      >
        <button type="button" disabled={test?.running} onClick={() => void useSettings.getState().testNotifier(channel)}>
          Send test to {short}
        </button>
      </SaveActions>
    </SectionForm>
  );
}
