// Settings → Server, the desktop app's own card, in the web console: the page gets a stand-in for
// the Electron preload's `window.vigil` (as the desktop app would), whose server calls go to the
// real `vigil serve` with the key typed in. The shell's side of these calls (keychain, checks, the
// saved choice) is tested in test/shell; here, what the analyst sees and types.
import type { Page } from '@playwright/test';
import { expect, screenshot, test, type VigilServer } from './vigil.ts';

interface FakeShell {
  token: string;
  inUse: { kind: 'local' } | { kind: 'team'; url: string };
  problem: string | null;
}

/** The page's global object, as far as this spec touches it (the e2e project has no DOM types). */
interface PageGlobal {
  location: { origin: string };
  vigilRestarts: number;
}

/** A `window.vigil` like the preload's; the shell's state lives in the page, restarts are counted. */
async function openDesktop(page: Page, vigil: VigilServer, shell: FakeShell, hash: string): Promise<void> {
  await page.addInitScript((init: FakeShell) => {
    const scope = globalThis as unknown as PageGlobal;
    const state = {
      chosen: init.inUse,
      teamUrl: init.inUse.kind === 'team' ? init.inUse.url : (null as string | null),
      key: init.inUse.kind === 'team' ? init.token : (null as string | null),
    };
    const view = () => ({
      inUse: init.inUse,
      chosen: state.chosen,
      teamUrl: state.teamUrl,
      keyStored: state.key !== null,
      problem: init.problem,
      restartNeeded: state.chosen.kind !== init.inUse.kind || (state.chosen.kind === 'team' && init.inUse.kind === 'team' && state.chosen.url !== init.inUse.url),
    });
    const check = async ({ url, key }: { url: string; key?: string }) => {
      const origin = url.trim().replace(/\/+$/, '');
      if (!/^https:\/\/|^http:\/\/(127\.0\.0\.1|localhost)(:|$)/.test(origin)) {
        return { ok: false as const, error: 'The team server must be https://: your API key travels with every request.' };
      }
      const used = key?.trim() || state.key;
      if (!used) return { ok: false as const, error: 'Enter your API key for the team server: none is stored yet.' };
      const response = await fetch(`${origin}/v1/api-keys/current`, { headers: { authorization: `Bearer ${used}` } });
      const body = (await response.json()) as { data: { name: string; key_type: 'human'; prefix: string; scopes: string[] }; error: { message: string } };
      if (!response.ok) return { ok: false as const, error: `The team server refused the key (${response.status}): ${body.error.message}` };
      return { ok: true as const, url: origin, key: body.data };
    };
    scope.vigilRestarts = 0;
    Object.defineProperty(scope, 'vigil', {
      value: {
        connection: async () => ({ baseUrl: scope.location.origin, token: init.token }),
        openExternal: async () => undefined,
        showItemInFolder: async () => undefined,
        desktopSettings: async () => ({ startAtLogin: false }),
        updateDesktopSettings: async () => ({ startAtLogin: false }),
        onNavigate: () => () => undefined,
        serverSettings: async () => view(),
        checkServer: check,
        useTeamServer: async (request: { url: string; key?: string }) => {
          const result = await check(request);
          if (!result.ok) return result;
          if (request.key?.trim()) state.key = request.key.trim();
          state.chosen = { kind: 'team', url: result.url };
          state.teamUrl = result.url;
          return { ok: true, settings: view() };
        },
        useLocalEngine: async () => {
          state.chosen = { kind: 'local' };
          return { ok: true, settings: view() };
        },
        forgetServerKey: async () => {
          state.key = null;
          return { ok: true, settings: view() };
        },
        restart: async () => {
          scope.vigilRestarts++;
        },
      },
    });
  }, shell);
  await page.goto(`${vigil.url}/${hash}`);
}

test('the analyst checks a team server and its key, chooses it, and restarts; bad input loses nothing', async ({ page, vigil, consoleErrors }) => {
  await openDesktop(page, vigil, { token: vigil.adminKey, inUse: { kind: 'local' }, problem: null }, '#/settings/server');
  const card = page.getByRole('region', { name: 'Server' });
  await expect(card.getByText("This app uses this computer's engine.")).toBeVisible();
  const form = card.getByRole('form', { name: 'Team server' });
  const url = form.getByLabel('Team server URL');
  const key = form.getByLabel('Your API key');

  await url.fill('http://vigil.example.com');
  await key.fill(vigil.adminKey);
  await form.getByRole('button', { name: 'Use this server' }).click();
  await expect(form.getByText(/must be https:\/\//)).toBeVisible();
  // What was typed stays, to be corrected.
  await expect(url).toHaveValue('http://vigil.example.com');
  await expect(key).toHaveValue(vigil.adminKey);

  await url.fill(vigil.url);
  await key.fill('vgl_wrongwrongwrongwrongwrongwrong');
  await form.getByRole('button', { name: 'Check connection' }).click();
  await expect(form.getByText(/The team server refused the key \(401\)/)).toBeVisible();

  await key.fill(vigil.adminKey);
  await form.getByRole('button', { name: 'Check connection' }).click();
  await expect(form.getByRole('status').filter({ hasText: `Connected to ${vigil.url} as “e2e analyst” (human key vgl_` })).toBeVisible();

  await form.getByRole('button', { name: 'Use this server' }).click();
  await expect(card.getByText(`Vigil will use the team server ${vigil.url} after a restart.`)).toBeVisible();
  await expect(key).toHaveValue('');
  await expect(form.getByText('A key is stored in the OS keychain. Leave this empty to keep it.')).toBeVisible();
  await expect(page.getByText(vigil.adminKey)).toHaveCount(0);
  await screenshot(page, 'settings-server');

  await card.getByRole('button', { name: 'Restart now' }).click();
  await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobal).vigilRestarts)).toBe(1);

  await form.getByRole('button', { name: "Use this computer's engine" }).click();
  await expect(card.getByText('after a restart')).toHaveCount(0);
  await form.getByRole('button', { name: 'Forget the stored key' }).click();
  await expect(form.getByText('Your own human key (vgl_…). It is kept in the OS keychain and not shown again.')).toBeVisible();
  // The wrong key's 401 was the stand-in bridge's own request (in the app the shell makes it).
  expect(consoleErrors.filter((error) => !error.includes('status of 401'))).toEqual([]);
});

test('a team server that cannot be used is said on every view, with the way to Settings → Server', async ({ page, vigil }) => {
  const problem = 'Could not reach https://vigil.example.com: nothing accepts connections there (connection refused) (ECONNREFUSED).';
  await openDesktop(page, vigil, { token: vigil.adminKey, inUse: { kind: 'team', url: 'https://vigil.example.com' }, problem }, '#/workflows');
  const banner = page.getByRole('alert').filter({ hasText: 'The team server cannot be used' });
  await expect(banner).toContainText(problem);
  await banner.getByRole('link', { name: 'Settings → Server' }).click();
  const card = page.getByRole('region', { name: 'Server' });
  await expect(card.getByText('This app uses the team server https://vigil.example.com.')).toBeVisible();
  await expect(card.getByRole('form', { name: 'Team server' }).getByLabel('Team server URL')).toHaveValue('https://vigil.example.com');
});

test('the desktop sign-in screen offers Settings → Server when the team server refuses the key', async ({ page, vigil }) => {
  await openDesktop(
    page,
    vigil,
    { token: 'vgl_revokedrevokedrevokedrevoked', inUse: { kind: 'team', url: vigil.url }, problem: null },
    '#/workflows',
  );
  await expect(page.getByText('The desktop app could not open a session.')).toBeVisible();
  const form = page.getByRole('form', { name: 'Team server' });
  await form.getByRole('button', { name: "Use this computer's engine" }).click();
  await expect(page.getByText("Vigil will use this computer's engine after a restart.")).toBeVisible();
});
