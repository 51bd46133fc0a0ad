import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { secretUpdate, secretUpdates } from '../../src/renderer/lib/secret-change.ts';
import { useSettings } from '../../src/renderer/stores/settings.ts';
import { apiError, fakeApi, ok } from './helpers.ts';

const okta = { name: 'okta' as const, configured: false, org_url: null, api_token_set: false };
const entra = {
  name: 'entra' as const,
  configured: false,
  tenant_id: null,
  client_id: null,
  client_secret_set: false,
  authority_url: 'https://login.microsoftonline.com',
  graph_url: 'https://graph.microsoft.com',
};

describe('a stored credential in an update', () => {
  it('is left out when kept or when nothing was typed, sent when typed, and null when removed', () => {
    expect(secretUpdate({ mode: 'keep' })).toBeUndefined();
    expect(secretUpdate({ mode: 'replace', value: '' })).toBeUndefined();
    expect(secretUpdate({ mode: 'replace', value: 'xoxb-1' })).toBe('xoxb-1');
    expect(secretUpdate({ mode: 'remove' })).toBeNull();
    expect(secretUpdates({ bot_token: { mode: 'replace', value: 'xoxb-1' }, app_token: { mode: 'keep' }, webhook_url: { mode: 'remove' } })).toEqual({
      bot_token: 'xoxb-1',
      webhook_url: null,
    });
  });
});

describe('integrations in the settings store', () => {
  beforeEach(() => {
    useSettings.setState({ integrations: [okta, entra], tests: {} });
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('loads them with the other settings, each part failing on its own', async () => {
    // A browser, not the desktop app: no shell preferences to load.
    vi.stubGlobal('window', {});
    fakeApi({
      'settings.get': () => ok({ data_dir: '/tmp/v' }),
      'settings.notifiers': () => {
        throw apiError(503, 'KEYCHAIN_UNAVAILABLE', 'no keychain');
      },
      'settings.llm': () => ok({ provider: null }),
      'integrations.list': () => ok([okta, entra]),
    });
    useSettings.setState({ integrations: null });
    await useSettings.getState().load();
    expect(useSettings.getState().integrations).toEqual([okta, entra]);
    expect(useSettings.getState().loadErrors).toEqual({ notifiers: 'no keychain' });
  });

  it('replaces only the saved one, and puts the server’s field problems at their fields', async () => {
    const saved = { ...okta, configured: true, org_url: 'https://example.okta.com', api_token_set: true };
    const { calls } = fakeApi({ 'integrations.update': () => ok(saved) });
    expect(await useSettings.getState().saveIntegration('okta', { org_url: 'https://example.okta.com', api_token: '00ab' })).toBe(true);
    expect(calls).toEqual([['integrations.update', ['okta', { org_url: 'https://example.okta.com', api_token: '00ab' }]]]);
    expect(useSettings.getState().integrations).toEqual([saved, entra]);
    expect(useSettings.getState().sections.okta.savedAt).not.toBeNull();

    fakeApi({
      'integrations.update': () => {
        throw apiError(422, 'VALIDATION_ERROR', 'The request is not valid: 1 problem(s).', { problems: [{ field: 'body.tenant_id', message: 'required' }] });
      },
    });
    expect(await useSettings.getState().saveIntegration('entra', { tenant_id: '', client_id: 'x' })).toBe(false);
    expect(useSettings.getState().sections.entra).toMatchObject({ saving: false, error: 'The request is not valid: 1 problem(s).', fieldErrors: { tenant_id: 'required' } });
  });

  it('keeps what Test connection answered until the settings change', async () => {
    fakeApi({
      'integrations.test': () => ok({ ok: true, message: 'connected', code: null, duration_ms: 5, http_calls: [] }),
      'integrations.remove': () => ok(okta),
    });
    await useSettings.getState().testIntegration('okta');
    expect(useSettings.getState().tests.okta).toMatchObject({ running: false, result: { ok: true, message: 'connected' }, error: null });
    await useSettings.getState().removeIntegration('okta');
    expect(useSettings.getState().tests.okta).toBeUndefined();
  });
});
