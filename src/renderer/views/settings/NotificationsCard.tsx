// Notifications: what the engine warns about its notifiers, desktop notifications, then Slack and
// Microsoft Teams (one form shape; Slack adds how it posts and who may decide from it).
import { useState } from 'react';
import type { NotifierView } from '../../api/types.ts';
import { TokenList } from '../../components/TokenList.tsx';
import { Badge, Field } from '../../components/ui.tsx';
import { useSettings } from '../../stores/settings.ts';
import { DesktopNotifications } from './DesktopNotifications.tsx';
import { NotifierForm } from './NotifierForm.tsx';

export function NotificationsCard({ notifiers }: { notifiers: NotifierView }) {
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
      <DesktopNotifications desktop={notifiers.desktop} />
      <SlackForm slack={notifiers.slack} />
      <NotifierForm channel="teams" view={notifiers.teams}>
        {(secret) => secret('webhook_url', { label: 'Webhook or workflow URL', placeholder: 'https://…' })}
      </NotifierForm>
    </div>
  );
}

function SlackForm({ slack }: { slack: NotifierView['slack'] }) {
  const fieldErrors = useSettings((s) => s.sections.slack.fieldErrors);
  const [mode, setMode] = useState(slack.mode);
  const [channel, setChannel] = useState(slack.default_channel ?? '');
  const [approvers, setApprovers] = useState(slack.approvers);
  const [socketMode, setSocketMode] = useState(slack.socket_mode);
  const socket = slack.socket?.state ?? 'off';

  return (
    <NotifierForm
      channel="slack"
      view={slack}
      settings={{ mode, default_channel: channel.trim() || null, approvers, socket_mode: socketMode }}
      badge={socket !== 'off' && <Badge value={socket === 'connected' ? 'success' : socket === 'failed' ? 'failed' : 'pending'}>Socket Mode: {socket}</Badge>}
    >
      {(secret) => (
        <>
          <Field label="How to post" error={fieldErrors.mode}>
            {(props) => (
              <select {...props} value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
                <option value="bot">Bot token (buttons, messages updated after a decision)</option>
                <option value="webhook">Incoming webhook (a link to decide in the browser)</option>
              </select>
            )}
          </Field>
          {mode === 'bot' ? (
            <>
              {secret('bot_token', { label: 'Bot token', placeholder: 'xoxb-…' })}
              <Field label="Default channel" error={fieldErrors.default_channel} hint="A channel id (C0123ABCD) or #name.">
                {(props) => <input {...props} value={channel} onChange={(e) => setChannel(e.target.value)} placeholder="#soc-approvals" />}
              </Field>
              <label className="toggle">
                <input type="checkbox" checked={socketMode} onChange={(e) => setSocketMode(e.target.checked)} />
                <span>
                  Receive button clicks over Socket Mode
                  <span className="hint block">Slack connects out from this machine: nothing needs to listen publicly.</span>
                </span>
              </label>
              {secret('app_token', { label: 'App-level token (Socket Mode)', placeholder: 'xapp-…' })}
              {secret('signing_secret', { label: 'Signing secret (HTTP callback)', hint: 'Only for a server Slack can reach.' })}
              <TokenList
                label="Who may approve from Slack"
                values={approvers}
                onChange={setApprovers}
                placeholder="U0123ABCD"
                mono
                error={fieldErrors.approvers}
                hint="Slack user ids. Empty: nobody may decide from Slack."
                validate={(value) => (/^[UW][A-Z0-9]{2,30}$/.test(value) ? null : 'a Slack user id, like U0123ABCD')}
              />
            </>
          ) : (
            secret('webhook_url', { label: 'Webhook URL', placeholder: 'https://hooks.slack.com/services/…' })
          )}
        </>
      )}
    </NotifierForm>
  );
}
