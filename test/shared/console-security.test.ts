// The console's Content-Security-Policy, the same for `vigil serve` and app://vigil (moved here from
// test/shell/security.test.ts when both servers came to share one policy).
import { describe, expect, it } from 'vitest';
import { consoleContentType, consoleCsp } from '../../src/shared/console-security.ts';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe('Content-Security-Policy', () => {
  const csp = directives(consoleCsp());

  it('allows only the app itself for scripts, workers and API calls', () => {
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('worker-src')).toEqual(["'self'", 'blob:']);
  });

  it("gives Monaco its inline styles and nothing 'unsafe-eval'", () => {
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(consoleCsp()).not.toContain('unsafe-eval');
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
  });

  it('forbids frames, plugins, <base> and form posts', () => {
    for (const name of ['frame-src', 'object-src', 'base-uri', 'form-action', 'frame-ancestors']) {
      expect(csp.get(name), name).toEqual(["'none'"]);
    }
  });

  it('names no http(s) origin: the API is reached through app://vigil/v1', () => {
    expect(consoleCsp()).not.toMatch(/https?:|127\.0\.0\.1|localhost/);
  });

  it('adds the Vite dev server only in dev', () => {
    const dev = directives(consoleCsp('http://localhost:5173/'));
    expect(dev.get('script-src')).toEqual(["'self'", "'unsafe-inline'", 'http://localhost:5173']);
    expect(dev.get('connect-src')).toEqual(["'self'", 'http://localhost:5173', 'ws://localhost:5173']);
  });
});

describe('content types', () => {
  it('names what the bundle holds, whatever the case of the extension, and nothing else', () => {
    expect(consoleContentType('/renderer/assets/index-abc.js')).toBe('text/javascript; charset=utf-8');
    expect(consoleContentType('/renderer/assets/codicon.TTF')).toBe('font/ttf');
    expect(consoleContentType('/renderer/assets/logo.v2.svg')).toBe('image/svg+xml');
    expect(consoleContentType('/renderer/assets/noextension')).toBe('application/octet-stream');
    expect(consoleContentType('/renderer/dir.d/file')).toBe('application/octet-stream');
  });
});
