// Naming the mock that answered a test run's HTTP call (the sandbox reports its index, or "default"),
// numbered as `vigil test` numbers them.
import { mockLabel } from '../../shared/test-report.ts';

/** The mock rule (from the mocks the test was run with) that the sandbox says answered a call. */
export function mockRule(mocks: unknown, answered: unknown): unknown {
  const list = Array.isArray(mocks)
    ? mocks
    : mocks && typeof mocks === 'object' && Array.isArray((mocks as { responses?: unknown }).responses)
      ? ((mocks as { responses: unknown[] }).responses)
      : null;
  if (typeof answered === 'number') return list?.[answered];
  if (answered === 'default' && list && !Array.isArray(mocks)) return (mocks as { default?: unknown }).default;
  return undefined;
}

/** A one-line name for the mock that answered: "mock #1 GET https://…/*", or "default mock". */
export function describeMock(answered: unknown, rule?: unknown): string {
  if (answered === 'default') return mockLabel(answered);
  if (typeof answered === 'number') {
    const r = rule as { method?: unknown; url?: unknown } | undefined;
    const what = [typeof r?.method === 'string' ? r.method : '', typeof r?.url === 'string' ? r.url : ''].filter(Boolean).join(' ');
    return what ? `${mockLabel(answered)} · ${what}` : mockLabel(answered);
  }
  return String(answered);
}
