// Shown when the console has no session: how to get one, and a way to use an API key instead. In
// the desktop app, Settings → Server is here too: a team server that refused the key can be left.
import { useState } from 'react';
import { useSession } from '../stores/session.ts';
import { ErrorText, Field } from '../components/ui.tsx';
import { ServerCard } from './settings/ServerCard.tsx';

export function LoginView() {
  const notice = useSession((s) => s.notice);
  const signingIn = useSession((s) => s.signingIn);
  const desktop = useSession((s) => s.desktop);
  const [key, setKey] = useState('');

  return (
    <main className="login">
      <div className="login-card">
        <h1>Vigil</h1>
        {signingIn ? (
          <p role="status">Signing in…</p>
        ) : (
          <>
            <ErrorText>{notice}</ErrorText>
            {desktop ? (
              <>
                <p>The desktop app could not open a session. Check the server below, or quit Vigil from the tray and start it again.</p>
                <ServerCard />
              </>
            ) : (
              <>
                <h2>Sign in with the login link</h2>
                <p>
                  <code>vigil serve</code> (or <code>npm run serve</code>) prints a one-time link when it starts:
                </p>
                <pre className="command">Console (one-time login link): http://127.0.0.1:PORT/#login=…</pre>
                <p>
                  Open that link in this browser. It works once; restart <code>vigil serve</code> to get a new one.
                </p>
                <h2>Or use an API key</h2>
                <form
                  onSubmit={(event) => {
                    event.preventDefault();
                    void useSession.getState().signInWithKey(key);
                  }}
                >
                  <Field
                    label="API key"
                    hint={
                      <>
                        Create one with <code>npx vigil keys create --name me --type human --scopes admin</code>. It is kept
                        in this tab only.
                      </>
                    }
                  >
                    {(props) => (
                      <input
                        {...props}
                        type="password"
                        autoComplete="off"
                        spellCheck={false}
                        value={key}
                        onChange={(e) => setKey(e.target.value)}
                        placeholder="vgl_…"
                      />
                    )}
                  </Field>
                  <button type="submit" className="primary" disabled={!key.trim()}>
                    Sign in
                  </button>
                </form>
              </>
            )}
          </>
        )}
      </div>
    </main>
  );
}
