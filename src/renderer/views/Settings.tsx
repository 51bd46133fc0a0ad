// Settings: execution (pause agents, rate limit, concurrency), notifications (desktop, Slack,
// Teams, each with a test message), code generation (LLM provider), integrations, the data folder
// and, in the desktop app, the server it uses (this computer's engine or a team server) and start
// at login. Each card is a file in settings/; credentials go through one write-only field
// (settings/SecretInput.tsx). Without a usable OS keychain a banner says why, and the credential
// fields are disabled.
import { useEffect } from 'react';
import { KeychainBanner } from '../components/KeychainBanner.tsx';
import { ErrorText, Progress } from '../components/ui.tsx';
import type { SettingsSection } from '../lib/routes.ts';
import { useSettings } from '../stores/settings.ts';
import { DataFolderCard } from './settings/DataFolderCard.tsx';
import { DesktopAppCard } from './settings/DesktopAppCard.tsx';
import { ExecutionCard } from './settings/ExecutionCard.tsx';
import { IntegrationsPanel } from './settings/IntegrationsPanel.tsx';
import { LlmCard } from './settings/LlmCard.tsx';
import { NotificationsCard } from './settings/NotificationsCard.tsx';
import { ServerCard } from './settings/ServerCard.tsx';

export function SettingsView({ section }: { section?: SettingsSection }) {
  const { settings, notifiers, llm, loading, loadErrors } = useSettings();

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
      {settings && <DataFolderCard settings={settings} />}
      {window.vigil && <ServerCard focus={section === 'server'} />}
      {window.vigil && <DesktopAppCard />}
    </section>
  );
}
