// Settings → Server, desktop only: use this computer's engine or a team's `vigil serve`, with the
// analyst's own key. The key goes to the OS keychain through the shell and is never shown again;
// a change takes effect when the app restarts. Also shown on the desktop's sign-in screen, so a
// team server that refuses the key or does not answer can always be left.
import { useEffect, useRef, useState } from 'react';
import { ErrorText, Field } from '../../components/ui.tsx';
import { describeChoice, useServer } from '../../stores/server.ts';

export function ServerCard({ focus = false }: { focus?: boolean }) {
  const { settings, loadError, busy, check, error } = useServer();
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');
  const cardRef = useRef<HTMLElement>(null);

  useEffect(() => {
    void useServer.getState().load();
  }, []);

  // The address saved is what the form starts from; what the analyst typed is never replaced.
  const savedUrl = settings?.teamUrl ?? '';
  useEffect(() => setUrl((typed) => typed || savedUrl), [savedUrl]);

  useEffect(() => {
    if (focus) cardRef.current?.scrollIntoView({ block: 'start' });
  }, [focus]);

  const request = () => (key.trim() ? { url, key } : { url });

  return (
    <section className="card" aria-labelledby="server-card-title" ref={cardRef}>
      <h2 id="server-card-title">Server</h2>
      <ErrorText>{loadError}</ErrorText>
      {settings && (
        <>
          <p>
            This app uses <strong>{describeChoice(settings.inUse)}</strong>.
          </p>
          {settings.problem && <ErrorText>{`The team server cannot be used right now: ${settings.problem}`}</ErrorText>}
          {settings.restartNeeded && (
            <div className="form-actions" role="status">
              <span>
                Vigil will use {describeChoice(settings.chosen)}
                {settings.chosen.kind === 'team' && settings.inUse.kind === 'team' && settings.chosen.url === settings.inUse.url ? ' with the new key' : ''} after a
                restart.
              </span>
              <button type="button" className="primary" disabled={busy !== null} onClick={() => void useServer.getState().restart()}>
                {busy === 'restart' ? 'Restarting…' : 'Restart now'}
              </button>
            </div>
          )}
        </>
      )}
      <form
        aria-label="Team server"
        onSubmit={(event) => {
          event.preventDefault();
          void useServer
            .getState()
            .useTeamServer(request())
            .then((chosen) => chosen && setKey(''));
        }}
      >
        <p className="muted">
          A team runs one Vigil with <code>vigil serve --public-url https://…</code>; each analyst connects with their own human key,
          so approvals record who decided. The tray and notifications then follow the team's approvals.
        </p>
        <Field label="Team server URL" hint="https://host[:port]. Plain http:// only for 127.0.0.1 or localhost.">
          {(props) => (
            <input {...props} type="url" spellCheck={false} autoComplete="off" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://vigil.example.com" />
          )}
        </Field>
        <Field
          label="Your API key"
          hint={
            settings?.keyStored
              ? 'A key is stored in the OS keychain. Leave this empty to keep it.'
              : 'Your own human key (vgl_…). It is kept in the OS keychain and not shown again.'
          }
        >
          {(props) => (
            <input {...props} type="password" spellCheck={false} autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} placeholder="vgl_…" />
          )}
        </Field>
        <div className="form-actions">
          <button type="button" disabled={busy !== null} onClick={() => void useServer.getState().checkServer(request())}>
            {busy === 'check' ? 'Checking…' : 'Check connection'}
          </button>
          <button type="submit" className="primary" disabled={busy !== null}>
            {busy === 'team' ? 'Checking…' : 'Use this server'}
          </button>
          <button
            type="button"
            disabled={busy !== null || settings?.chosen.kind === 'local'}
            onClick={() => void useServer.getState().useLocalEngine()}
          >
            Use this computer's engine
          </button>
          {settings?.keyStored && settings.chosen.kind === 'local' && (
            <button type="button" className="link-button" disabled={busy !== null} onClick={() => void useServer.getState().forgetKey()}>
              Forget the stored key
            </button>
          )}
        </div>
        {check?.ok && (
          <p className="ok-text" role="status">
            Connected to {check.url} as “{check.key.name}” (human key {check.key.prefix}…
            {check.key.scopes.includes('admin') || check.key.scopes.includes('approvals:write') ? '' : ', which may not decide approvals'}).
          </p>
        )}
        {check && !check.ok && <ErrorText>{check.error}</ErrorText>}
        <ErrorText>{error}</ErrorText>
      </form>
    </section>
  );
}
