// Hash routes: every view has its own URL so the tray, notifications and links can deep-link
// (`#/approvals/<uuid>`, `#/runs/<uuid>`, `#/workflows/<uuid>`). Pure parsing/formatting here;
// the navigation state lives in stores/router.ts.

export type Route =
  | { view: 'workflows' }
  | { view: 'editor'; uuid: string | null; version?: number }
  | { view: 'runs'; uuid?: string }
  | { view: 'approvals'; uuid?: string }
  | { view: 'secrets' }
  | { view: 'keys' }
  | { view: 'settings'; section?: SettingsSection }
  | { view: 'not-found'; path: string };

/** Settings sections with their own link (the Generate dialog points at the LLM provider, the team server banner at Server). */
export const SETTINGS_SECTIONS = ['llm', 'server'] as const;
export type SettingsSection = (typeof SETTINGS_SECTIONS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const DEFAULT_ROUTE: Route = { view: 'workflows' };

/** The route a location hash names; an empty hash is the workflow list. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/[?].*$/, '');
  // A login link's hash is consumed at start-up; whoever reads it meanwhile sees the default view.
  if (path === '' || path === '/' || path.startsWith('login=')) return DEFAULT_ROUTE;
  const parts = path.replace(/^\/+|\/+$/g, '').split('/').map(decodeURIComponent);
  const [head, id, sub, subId] = parts;
  switch (head) {
    case 'workflows':
      if (id === undefined) return { view: 'workflows' };
      if (id === 'new' && parts.length === 2) return { view: 'editor', uuid: null };
      if (!UUID.test(id)) break;
      if (parts.length === 2) return { view: 'editor', uuid: id.toLowerCase() };
      if (sub === 'versions' && subId !== undefined && /^[1-9]\d*$/.test(subId) && parts.length === 4) {
        return { view: 'editor', uuid: id.toLowerCase(), version: Number(subId) };
      }
      break;
    case 'runs':
    case 'approvals':
      if (id === undefined) return { view: head };
      if (UUID.test(id) && parts.length === 2) return { view: head, uuid: id.toLowerCase() };
      break;
    case 'secrets':
    case 'keys':
      if (parts.length === 1) return { view: head };
      break;
    case 'settings':
      if (parts.length === 1) return { view: 'settings' };
      if (parts.length === 2 && (SETTINGS_SECTIONS as readonly string[]).includes(id!)) return { view: 'settings', section: id as SettingsSection };
      break;
  }
  return { view: 'not-found', path };
}

/** The hash for a route (with the leading `#`). */
export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'workflows':
      return '#/workflows';
    case 'editor':
      if (route.uuid === null) return '#/workflows/new';
      return route.version ? `#/workflows/${route.uuid}/versions/${route.version}` : `#/workflows/${route.uuid}`;
    case 'runs':
    case 'approvals':
      return route.uuid ? `#/${route.view}/${route.uuid}` : `#/${route.view}`;
    case 'secrets':
    case 'keys':
      return `#/${route.view}`;
    case 'settings':
      return route.section ? `#/settings/${route.section}` : '#/settings';
    case 'not-found':
      return `#/${route.path.replace(/^\/+/, '')}`;
  }
}

/** The navigation section a route belongs to (for the active link in the sidebar). */
export function sectionOf(route: Route): 'workflows' | 'runs' | 'approvals' | 'secrets' | 'keys' | 'settings' | null {
  switch (route.view) {
    case 'workflows':
    case 'editor':
      return 'workflows';
    case 'not-found':
      return null;
    default:
      return route.view;
  }
}

/** The one-time login token in a `#login=<token>` hash, if any. */
export function loginTokenFromHash(hash: string): string | null {
  const match = /^#?login=([A-Za-z0-9_-]{16,200})$/.exec(hash);
  return match ? match[1]! : null;
}
