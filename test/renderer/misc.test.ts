import { describe, expect, it } from 'vitest';
import { describeMock, mockRule } from '../../src/renderer/lib/mocks.ts';
import { nameFromFile } from '../../src/renderer/lib/util.ts';
import { keyStatus, sortKeys } from '../../src/renderer/stores/keys.ts';
import { isNewerRun } from '../../src/renderer/stores/workflows.ts';
import { sectionField } from '../../src/renderer/stores/settings.ts';
import { queryString } from '../../src/renderer/api/client.ts';
import type { ApiKey } from '../../src/renderer/api/types.ts';

const key = (overrides: Partial<ApiKey>): ApiKey => ({
  uuid: 'k',
  name: 'k',
  key_type: 'agent',
  scopes: ['workflows:read'],
  prefix: 'vgl_aaaaaaaa',
  created_at: '2026-11-01T00:00:00.000Z',
  expires_at: null,
  last_used_at: null,
  revoked_at: null,
  revoked: false,
  ...overrides,
});

describe('small helpers', () => {
  it('names the mock that answered a test call', () => {
    const mocks = { responses: [{ method: 'GET', url: 'https://intel.example.com/*', status: 200 }], default: 'error' };
    expect(mockRule(mocks, 0)).toEqual(mocks.responses[0]);
    expect(describeMock(0, mockRule(mocks, 0))).toBe('mock #1 · GET https://intel.example.com/*');
    expect(describeMock('default', mockRule(mocks, 'default'))).toBe('default mock');
    expect(mockRule([{ url: 'https://a/*' }], 0)).toEqual({ url: 'https://a/*' });
    expect(mockRule([{ url: 'https://a/*' }], 'default')).toBeUndefined();
  });

  it('turns a file name into a workflow name', () => {
    expect(nameFromFile('block-ip_on-firewall.ts')).toBe('Block ip on firewall');
    expect(nameFromFile('.ts')).toBe('Imported workflow');
  });

  it('orders keys active first and tells their status', () => {
    const now = Date.parse('2026-11-22T00:00:00Z');
    const revoked = key({ uuid: 'r', revoked: true, revoked_at: '2026-11-02T00:00:00Z', created_at: '2026-11-20T00:00:00Z' });
    const expired = key({ uuid: 'e', expires_at: '2026-11-21T00:00:00Z' });
    const active = key({ uuid: 'a' });
    expect(keyStatus(revoked, now)).toBe('revoked');
    expect(keyStatus(expired, now)).toBe('expired');
    expect(sortKeys([revoked, expired, active], now)[0]!.uuid).toBe('a');
  });

  it('keeps the newest last run per workflow', () => {
    const last = { uuid: 'a', status: 'success' as const, queued_at: '2026-11-22T12:00:00Z', finished_at: null };
    expect(isNewerRun({ uuid: 'b', queued_at: '2026-11-22T11:00:00Z' }, last)).toBe(false);
    expect(isNewerRun({ uuid: 'a', queued_at: '2026-11-22T12:00:00Z' }, last)).toBe(true);
    expect(isNewerRun({ uuid: 'c', queued_at: '2026-11-22T13:00:00Z' }, last)).toBe(true);
  });

  it('strips request prefixes from field names', () => {
    expect(sectionField('body.slack.bot_token', 'slack')).toBe('bot_token');
    expect(sectionField('body.run_concurrency', 'execution')).toBe('run_concurrency');
  });

  it('builds query strings without empty values', () => {
    expect(queryString({ a: 1, b: '', c: undefined, d: null, e: 'x y' })).toBe('?a=1&e=x+y');
    expect(queryString({})).toBe('');
  });
});
