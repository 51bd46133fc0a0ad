// The console's frame: session gate, navigation, live connection, and the current view.
import { lazy, Suspense, useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { formatRoute, sectionOf, type Route } from './lib/routes.ts';
import { listenToLocation, useRouter } from './stores/router.ts';
import { useSession } from './stores/session.ts';
import { useApprovals } from './stores/approvals.ts';
import { startLive } from './stores/live.ts';
import { ConfirmDialog, EmptyState } from './components/ui.tsx';
import { ServerBanner } from './components/ServerBanner.tsx';
import { LoginView } from './views/Login.tsx';
import { WorkflowsView } from './views/Workflows.tsx';
import { RunsView } from './views/Runs.tsx';
import { ApprovalsView } from './views/Approvals.tsx';
import { SecretsView } from './views/Secrets.tsx';
import { KeysView } from './views/Keys.tsx';
import { SettingsView } from './views/Settings.tsx';
import { RunDialog } from './views/RunDialog.tsx';

// Monaco is most of the bundle; it loads when a workflow is first opened, not at sign-in.
const EditorView = lazy(() => import('./views/Editor.tsx'));

const NAV: Array<{ section: NonNullable<ReturnType<typeof sectionOf>>; label: string; route: Route }> = [
  { section: 'workflows', label: 'Workflows', route: { view: 'workflows' } },
  { section: 'runs', label: 'Runs', route: { view: 'runs' } },
  { section: 'approvals', label: 'Approvals', route: { view: 'approvals' } },
  { section: 'secrets', label: 'Secrets', route: { view: 'secrets' } },
  { section: 'keys', label: 'API keys', route: { view: 'keys' } },
  { section: 'settings', label: 'Settings', route: { view: 'settings' } },
];

export function App() {
  const phase = useSession((s) => s.phase);
  const token = useSession((s) => s.connection?.token);

  useEffect(() => {
    void useSession.getState().boot();
    return listenToLocation();
  }, []);

  useEffect(() => {
    if (phase !== 'ready' || !token) return;
    // The pending count in the navigation is always visible, so approvals load at sign-in.
    void useApprovals.getState().load();
    return startLive();
  }, [phase, token]);

  useEffect(() => {
    const bridge = window.vigil;
    if (!bridge || phase !== 'ready') return;
    return bridge.onNavigate((target) => {
      const navigate = useRouter.getState().navigate;
      if (target.view === 'approval') navigate({ view: 'approvals', uuid: target.uuid });
      else if (target.view === 'approvals') navigate({ view: 'approvals' });
      else navigate({ view: 'runs', uuid: target.uuid });
    });
  }, [phase]);

  if (phase === 'booting') {
    return (
      <main className="login">
        <p role="status">Opening Vigil…</p>
      </main>
    );
  }
  if (phase === 'signed-out') return <LoginView />;
  return <Shell />;
}

function Shell() {
  const route = useRouter((s) => s.route);
  const blocked = useRouter((s) => s.blocked);
  const pendingCount = useApprovals((s) => s.pending.length);
  const { stream, keyPrefix, desktop } = useSession(
    useShallow((s) => ({ stream: s.stream, keyPrefix: s.keyPrefix, desktop: s.desktop })),
  );
  const section = sectionOf(route);

  return (
    <div className="app">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">Vigil</div>
        <ul>
          {NAV.map((item) => (
            <li key={item.section}>
              <a
                href={formatRoute(item.route)}
                aria-current={section === item.section ? 'page' : undefined}
                className={section === item.section ? 'active' : undefined}
              >
                {item.label}
                {item.section === 'approvals' && pendingCount > 0 && (
                  <span className="count" title={`${pendingCount} pending`}>
                    {pendingCount}
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <p className="live" data-state={stream} role="status" title="Live updates from Vigil">
            <span className="dot" aria-hidden="true" />
            {stream === 'live' ? 'Live' : stream === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
          </p>
          {!desktop && (
            <p className="session">
              <span className="muted mono" title="The key this tab uses">
                {keyPrefix}…
              </span>
              <button type="button" className="link-button" onClick={() => useSession.getState().signOut()}>
                Sign out
              </button>
            </p>
          )}
        </div>
      </nav>
      <div className="main">
        {desktop && <ServerBanner stream={stream} />}
        <RouteView route={route} />
      </div>
      <ConfirmDialog
        open={blocked !== null}
        title="Leave without saving?"
        confirmLabel="Discard changes"
        cancelLabel="Stay"
        danger
        onConfirm={() => useRouter.getState().confirmLeave()}
        onCancel={() => useRouter.getState().cancelLeave()}
      >
        <p>The workflow has changes that are not saved. They will be lost.</p>
      </ConfirmDialog>
      <RunDialog />
    </div>
  );
}

function RouteView({ route }: { route: Route }) {
  switch (route.view) {
    case 'workflows':
      return <WorkflowsView />;
    case 'editor':
      return (
        <Suspense fallback={<p className="pad muted" role="status">Loading the editor…</p>}>
          <EditorView uuid={route.uuid} version={route.version} />
        </Suspense>
      );
    case 'runs':
      return <RunsView selected={route.uuid} />;
    case 'approvals':
      return <ApprovalsView selected={route.uuid} />;
    case 'secrets':
      return <SecretsView />;
    case 'keys':
      return <KeysView />;
    case 'settings':
      return <SettingsView section={route.section} />;
    case 'not-found':
      return (
        <div className="pad">
          <EmptyState title="Nothing here">
            <p>
              There is no page at <code>#/{route.path.replace(/^\//, '')}</code>. Go to the <a href="#/workflows">workflow list</a>.
            </p>
          </EmptyState>
        </div>
      );
  }
}
