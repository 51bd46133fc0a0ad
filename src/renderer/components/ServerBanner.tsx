// Following a team server that cannot be used (it does not answer, it refuses the key): said at
// the top of every view, with the way back, since every view's own errors would only say "502".
import { useEffect } from 'react';
import type { StreamStatus } from '../api/events.ts';
import { useServer } from '../stores/server.ts';

export function ServerBanner({ stream }: { stream: StreamStatus }) {
  const settings = useServer((s) => s.settings);

  // The live stream goes through the same server: when it drops or comes back, ask the shell again.
  useEffect(() => {
    void useServer.getState().load();
  }, [stream]);

  if (settings?.inUse.kind !== 'team' || !settings.problem) return null;
  return (
    <section className="keychain-banner" role="alert" aria-labelledby="server-banner-title">
      <h2 id="server-banner-title">The team server cannot be used</h2>
      <p>{settings.problem}</p>
      <p>
        <a href="#/settings/server">Settings → Server</a> can check it again, or switch back to this computer's engine.
      </p>
    </section>
  );
}
