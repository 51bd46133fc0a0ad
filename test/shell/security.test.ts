import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { checkExternalUrl, hardenSession, hardenWebContents, isAppUrl, openLinkInBrowser, permissionAllowed } = await import(
  '../../src/main/shell/security.ts'
);

describe('external links', () => {
  it.each([
    ['https://attack.mitre.org/techniques/T1110/', true],
    ['https://docs.example.com/a?b=c#d', true],
    ['http://example.com/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['smb://fileserver/share', false],
    ['app://vigil/', false],
    ['https://user:pass@example.com/', false],
    ['https://example.com/\nfoo', false],
    ['https://example.com/ space', false],
    [`https://example.com/${'a'.repeat(3000)}`, false],
    ['not a url', false],
    ['', false],
  ])('%s → %s', (url, allowed) => {
    expect(checkExternalUrl(url) !== null).toBe(allowed);
  });

  it('refuses non-strings', () => {
    expect(checkExternalUrl(42)).toBeNull();
    expect(checkExternalUrl({ href: 'https://example.com' })).toBeNull();
  });

  it('the one sink to the OS checks again, whoever calls it', async () => {
    fake.resetFakes();
    await openLinkInBrowser('https://attack.mitre.org/');
    await expect(openLinkInBrowser('file:///etc/passwd')).rejects.toThrow(/Only https: links/);
    await expect(openLinkInBrowser('https://a:b@example.com/')).rejects.toThrow(/Only https: links/);
    expect(fake.shell.opened).toEqual(['https://attack.mitre.org/']);
  });

  it('recognises the console origin by scheme and host', () => {
    expect(isAppUrl('app://vigil/')).toBe(true);
    expect(isAppUrl('app://vigil/approvals/1?x=1')).toBe(true);
    expect(isAppUrl('app://other/')).toBe(false);
    expect(isAppUrl('https://vigil/')).toBe(false);
    expect(isAppUrl('garbage')).toBe(false);
  });
});

describe('web contents hardening', () => {
  let contents: InstanceType<typeof fake.FakeWebContents>;
  let opened: string[];
  let logged: string[];

  beforeEach(() => {
    fake.resetFakes();
    contents = new fake.FakeWebContents();
    opened = [];
    logged = [];
    hardenWebContents(contents as never, { openLink: (url) => opened.push(url), log: (message) => logged.push(message) });
  });

  it('lets the console navigate within app://vigil', () => {
    const event = fake.fakeEvent({ url: 'app://vigil/approvals' });
    contents.emit('will-navigate', event);
    expect(event.defaultPrevented).toBe(false);
  });

  it('denies navigation elsewhere; an https link goes to the browser instead', () => {
    const link = fake.fakeEvent({ url: 'https://attack.mitre.org/' });
    contents.emit('will-navigate', link);
    expect(link.defaultPrevented).toBe(true);
    expect(opened).toEqual(['https://attack.mitre.org/']);

    const file = fake.fakeEvent({ url: 'file:///etc/passwd' });
    contents.emit('will-navigate', file);
    expect(file.defaultPrevented).toBe(true);
    expect(opened).toHaveLength(1);
    expect(logged.at(-1)).toContain('file:///etc/passwd');
  });

  it('denies redirects away from the app', () => {
    const event = fake.fakeEvent({ url: 'http://127.0.0.1:9/' });
    contents.emit('will-redirect', event);
    expect(event.defaultPrevented).toBe(true);
  });

  it('denies every window.open, sending https ones to the browser', () => {
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'app://vigil/popup' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://example.com/']);
  });

  it('refuses to attach a <webview>', () => {
    const event = fake.fakeEvent();
    contents.emit('will-attach-webview', event, {}, {});
    expect(event.defaultPrevented).toBe(true);
  });
});

describe('permissions', () => {
  it('are denied by default, clipboard writes from the console excepted', () => {
    const session = new fake.FakeSession();
    hardenSession(session as never);
    const ask = (permission: string, requestingUrl: string) =>
      new Promise((resolve) => session.permissionRequestHandler!({}, permission, resolve, { requestingUrl, isMainFrame: true }));
    return Promise.all([
      expect(ask('media', 'app://vigil/')).resolves.toBe(false),
      expect(ask('notifications', 'app://vigil/')).resolves.toBe(false),
      expect(ask('geolocation', 'app://vigil/')).resolves.toBe(false),
      expect(ask('openExternal', 'app://vigil/')).resolves.toBe(false),
      expect(ask('clipboard-read', 'app://vigil/')).resolves.toBe(false),
      expect(ask('clipboard-sanitized-write', 'app://vigil/')).resolves.toBe(true),
      expect(ask('clipboard-sanitized-write', 'https://evil.example/')).resolves.toBe(false),
    ]).then(() => {
      expect(session.permissionCheckHandler!(null, 'media', 'app://vigil', { isMainFrame: true })).toBe(false);
      expect(session.permissionCheckHandler!(null, 'clipboard-sanitized-write', 'app://vigil', { isMainFrame: true })).toBe(true);
      expect(session.devicePermissionHandler!({})).toBe(false);
    });
  });

  it('permissionAllowed needs a known requester', () => {
    expect(permissionAllowed('clipboard-sanitized-write', undefined)).toBe(false);
  });
});
