import { describe, expect, it } from 'vitest';
import { formatRoute, loginTokenFromHash, parseRoute, sectionOf, type Route } from '../../src/renderer/lib/routes.ts';

const UUID = '0193a0c4-7b1e-7cc2-9d7e-8f1a2b3c4d5e';

describe('hash routes', () => {
  it('parses every view, with deep links', () => {
    expect(parseRoute('')).toEqual({ view: 'workflows' });
    expect(parseRoute('#/')).toEqual({ view: 'workflows' });
    expect(parseRoute('#/workflows')).toEqual({ view: 'workflows' });
    expect(parseRoute('#/workflows/new')).toEqual({ view: 'editor', uuid: null });
    expect(parseRoute(`#/workflows/${UUID}`)).toEqual({ view: 'editor', uuid: UUID });
    expect(parseRoute(`#/workflows/${UUID.toUpperCase()}/versions/3`)).toEqual({ view: 'editor', uuid: UUID, version: 3 });
    expect(parseRoute(`#/runs/${UUID}`)).toEqual({ view: 'runs', uuid: UUID });
    expect(parseRoute(`#/approvals/${UUID}`)).toEqual({ view: 'approvals', uuid: UUID });
    expect(parseRoute('#/approvals')).toEqual({ view: 'approvals' });
    expect(parseRoute('#/secrets')).toEqual({ view: 'secrets' });
    expect(parseRoute('#/keys')).toEqual({ view: 'keys' });
    expect(parseRoute('#/settings/')).toEqual({ view: 'settings' });
  });

  it('sends anything else to "not found" rather than guessing', () => {
    expect(parseRoute('#/runs/not-a-uuid').view).toBe('not-found');
    expect(parseRoute(`#/workflows/${UUID}/versions/0`).view).toBe('not-found');
    expect(parseRoute('#/secrets/extra').view).toBe('not-found');
    expect(parseRoute('#/nowhere').view).toBe('not-found');
  });

  it('round-trips', () => {
    const routes: Route[] = [
      { view: 'workflows' },
      { view: 'editor', uuid: null },
      { view: 'editor', uuid: UUID },
      { view: 'editor', uuid: UUID, version: 2 },
      { view: 'runs' },
      { view: 'runs', uuid: UUID },
      { view: 'approvals', uuid: UUID },
      { view: 'secrets' },
      { view: 'keys' },
      { view: 'settings' },
    ];
    for (const route of routes) expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  it('knows which navigation section a route is in', () => {
    expect(sectionOf({ view: 'editor', uuid: UUID })).toBe('workflows');
    expect(sectionOf({ view: 'runs', uuid: UUID })).toBe('runs');
    expect(sectionOf({ view: 'not-found', path: 'x' })).toBeNull();
  });

  it('reads the one-time login token from the hash, and nothing else', () => {
    const token = 'tHn6qln_CcIh-AOXVhMH3btKrW5rSFFf5c5TBNiwvhU';
    expect(loginTokenFromHash(`#login=${token}`)).toBe(token);
    expect(loginTokenFromHash('#/workflows')).toBeNull();
    expect(loginTokenFromHash('#login=short')).toBeNull();
    expect(loginTokenFromHash(`#login=${token}&x=1`)).toBeNull();
    // While the token is being exchanged, the route underneath is the default view.
    expect(parseRoute(`#login=${token}`)).toEqual({ view: 'workflows' });
  });
});
