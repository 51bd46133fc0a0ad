// Navigation state over the location hash, with a leave guard: the editor registers one while it
// holds unsaved changes, and any navigation away (a link, the back button, the tray) first asks.
import { create } from 'zustand';
import { DEFAULT_ROUTE, formatRoute, parseRoute, type Route } from '../lib/routes.ts';

/** Returns true when leaving for `next` would lose something and needs the analyst's consent. */
export type LeaveGuard = (next: Route) => boolean;

interface RouterState {
  route: Route;
  /** A navigation held back by the guard, waiting for "Discard" or "Stay". */
  blocked: Route | null;
  navigate(to: Route, options?: { replace?: boolean }): void;
  confirmLeave(): void;
  cancelLeave(): void;
}

let guard: LeaveGuard | null = null;

export function setLeaveGuard(next: LeaveGuard | null): void {
  guard = next;
}

function initialRoute(): Route {
  return typeof location === 'undefined' ? DEFAULT_ROUTE : parseRoute(location.hash);
}

export const useRouter = create<RouterState>()((set, get) => ({
  route: initialRoute(),
  blocked: null,

  navigate(to, options = {}) {
    if (guard?.(to)) {
      set({ blocked: to });
      return;
    }
    const hash = formatRoute(to);
    if (options.replace) history.replaceState(null, '', hash);
    else if (location.hash !== hash) history.pushState(null, '', hash);
    set({ route: to, blocked: null });
  },

  confirmLeave() {
    const target = get().blocked;
    guard = null;
    set({ blocked: null });
    if (target) get().navigate(target);
  },

  cancelLeave() {
    set({ blocked: null });
  },
}));

/** Follows hash changes made outside navigate(): typed URLs, links, back and forward. */
export function listenToLocation(): () => void {
  const onChange = () => {
    const next = parseRoute(location.hash);
    const { route } = useRouter.getState();
    if (formatRoute(next) === formatRoute(route)) return;
    if (guard?.(next)) {
      // Put the address back to where the analyst still is, and ask.
      history.replaceState(null, '', formatRoute(route));
      useRouter.setState({ blocked: next });
      return;
    }
    useRouter.setState({ route: next, blocked: null });
  };
  window.addEventListener('hashchange', onChange);
  window.addEventListener('popstate', onChange);
  return () => {
    window.removeEventListener('hashchange', onChange);
    window.removeEventListener('popstate', onChange);
  };
}

/** A link target for <a href>. */
export const href = (route: Route): string => formatRoute(route);
