import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { applyStartAtLogin, desktopExecQuote, DesktopSettingsStore, parseStoredServer, serverChoice, startedHidden } = await import(
  '../../src/main/shell/desktop-settings.ts'
);
const { checkTeamServerUrl, parseServerRequest } = await import('../../src/shared/bridge.ts');

const scratch = mkdtempSync(join(tmpdir(), 'vigil-desktop-settings-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(scratch, `case-${++n}`);

describe('desktop settings store', () => {
  beforeEach(() => fake.resetFakes());

  it('starts with start-at-login off and keeps changes across launches', () => {
    const dir = fresh();
    const file = join(dir, 'desktop-settings.json');
    const applied: boolean[] = [];
    const store = new DesktopSettingsStore({ file, applyStartAtLogin: (enabled) => applied.push(enabled) });
    expect(store.get()).toEqual({ startAtLogin: false });
    const seen: unknown[] = [];
    store.onChange((settings) => seen.push(settings));
    expect(store.update({ startAtLogin: true })).toEqual({ startAtLogin: true });
    expect(applied).toEqual([true]);
    expect(seen).toEqual([{ startAtLogin: true }]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ startAtLogin: true, server: { use: 'local', teamUrl: null } });
    const reopened = new DesktopSettingsStore({ file, applyStartAtLogin: (enabled) => applied.push(enabled) });
    expect(reopened.get()).toEqual({ startAtLogin: true });
    // Writing the same value again does not touch the OS login items.
    reopened.update({ startAtLogin: true });
    expect(applied).toEqual([true]);
  });

  it('a damaged or foreign file falls back to the defaults and says so', () => {
    for (const content of ['{not json', '{"startAtLogin":"yes"}', '[]']) {
      const dir = fresh();
      mkdirSync(dir);
      const file = join(dir, 'desktop-settings.json');
      writeFileSync(file, content);
      const logged: string[] = [];
      const store = new DesktopSettingsStore({ file, applyStartAtLogin: () => undefined, log: (message) => logged.push(message) });
      expect(store.get(), content).toEqual({ startAtLogin: false });
      expect(logged, content).toHaveLength(1);
    }
  });
});

describe('the server choice', () => {
  it("starts on this computer's engine; a team server chosen is kept across launches beside the other settings", () => {
    const file = join(fresh(), 'desktop-settings.json');
    const store = new DesktopSettingsStore({ file, applyStartAtLogin: () => undefined });
    expect(store.server()).toEqual({ use: 'local', teamUrl: null });
    store.update({ startAtLogin: true });
    store.setServer({ use: 'team', teamUrl: 'https://vigil.example.com' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ startAtLogin: true, server: { use: 'team', teamUrl: 'https://vigil.example.com' } });
    const reopened = new DesktopSettingsStore({ file, applyStartAtLogin: () => undefined });
    expect(reopened.server()).toEqual({ use: 'team', teamUrl: 'https://vigil.example.com' });
    expect(serverChoice(reopened.server())).toEqual({ kind: 'team', url: 'https://vigil.example.com' });
    expect(reopened.get()).toEqual({ startAtLogin: true });
    // Back to the local engine: the address stays for the next time.
    reopened.setServer({ use: 'local', teamUrl: 'https://vigil.example.com' });
    expect(serverChoice(reopened.server())).toEqual({ kind: 'local' });
    expect(new DesktopSettingsStore({ file, applyStartAtLogin: () => undefined }).server().teamUrl).toBe('https://vigil.example.com');
  });

  it('reads files written before there was a server choice', () => {
    const dir = fresh();
    mkdirSync(dir);
    const file = join(dir, 'desktop-settings.json');
    writeFileSync(file, '{"startAtLogin": true}');
    const store = new DesktopSettingsStore({ file, applyStartAtLogin: () => undefined });
    expect(store.get()).toEqual({ startAtLogin: true });
    expect(store.server()).toEqual({ use: 'local', teamUrl: null });
  });

  it("refuses to store an unchecked address, and falls back to this computer's engine on a damaged entry", () => {
    const file = join(fresh(), 'desktop-settings.json');
    const store = new DesktopSettingsStore({ file, applyStartAtLogin: () => undefined });
    for (const bad of [
      { use: 'team', teamUrl: 'http://vigil.example.com' },
      { use: 'team', teamUrl: 'https://vigil.example.com/' },
      { use: 'team', teamUrl: null },
      { use: 'elsewhere', teamUrl: null },
    ]) {
      expect(() => store.setServer(bad as never), JSON.stringify(bad)).toThrow(/Not a valid server choice/);
    }
    expect(existsSync(file)).toBe(false);
    for (const entry of ['{"use":"team","teamUrl":"ftp://x"}', '{"use":"team"}', '"team"', '{"use":"local","teamUrl":null,"key":"vgl_x"}']) {
      const dir = fresh();
      mkdirSync(dir);
      const damaged = join(dir, 'desktop-settings.json');
      writeFileSync(damaged, `{"startAtLogin": true, "server": ${entry}}`);
      const logged: string[] = [];
      const reopened = new DesktopSettingsStore({ file: damaged, applyStartAtLogin: () => undefined, log: (message) => logged.push(message) });
      expect(reopened.server(), entry).toEqual({ use: 'local', teamUrl: null });
      expect(logged, entry).toHaveLength(1);
    }
    expect(parseStoredServer({ use: 'local', teamUrl: 'https://vigil.example.com' })).toEqual({ use: 'local', teamUrl: 'https://vigil.example.com' });
  });
});

describe('team server address', () => {
  it.each([
    ['https://vigil.example.com', 'https://vigil.example.com'],
    ['  https://Vigil.Example.com:8443/  ', 'https://vigil.example.com:8443'],
    ['http://127.0.0.1:8750', 'http://127.0.0.1:8750'],
    ['http://localhost:8750/', 'http://localhost:8750'],
    ['http://[::1]:8750', 'http://[::1]:8750'],
  ])('%s is stored as %s', (input, origin) => {
    expect(checkTeamServerUrl(input)).toEqual({ url: origin });
  });

  it.each([
    ['', /Enter the team server's address/],
    ['vigil.example.com', /is not an address/],
    ['http://vigil.example.com', /must be https:\/\/: your API key travels/],
    ['http://10.0.0.5:8750', /must be https:\/\//],
    ['ftp://vigil.example.com', /must be https:\/\/, not ftp:/],
    ['https://vigil.example.com/vigil', /origin only/],
    ['https://user:pw@vigil.example.com', /origin only/],
    ['https://vigil.example.com/?key=vgl_x', /origin only/],
  ])('%s is refused', (input, message) => {
    const checked = checkTeamServerUrl(input);
    expect('error' in checked && checked.error).toMatch(message);
  });

  it('an address longer than 2,048 characters is refused', () => {
    const checked = checkTeamServerUrl(`https://${'a'.repeat(2100)}.com`);
    expect('error' in checked && checked.error).toMatch(/longer than/);
  });

  it('a bridge request is a url and an optional key, both bounded strings', () => {
    expect(parseServerRequest({ url: 'https://x' })).toEqual({ url: 'https://x' });
    expect(parseServerRequest({ url: 'https://x', key: 'vgl_x' })).toEqual({ url: 'https://x', key: 'vgl_x' });
    for (const bad of [null, [], 'https://x', { url: 1 }, { url: 'https://x', key: null }, { url: 'https://x', more: 1 }, { url: 'https://x', key: 'k'.repeat(201) }]) {
      expect(parseServerRequest(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});

describe('start at login', () => {
  beforeEach(() => fake.resetFakes());

  it('uses Electron login items on macOS and Windows, starting hidden', () => {
    applyStartAtLogin(true, { platform: 'darwin' });
    applyStartAtLogin(false, { platform: 'win32' });
    expect(fake.app.loginItemSettings).toEqual([
      { openAtLogin: true, args: ['--hidden'] },
      { openAtLogin: false, args: ['--hidden'] },
    ]);
  });

  it('writes and removes an XDG autostart entry on Linux', () => {
    const autostartDir = join(fresh(), 'autostart');
    applyStartAtLogin(true, { platform: 'linux', autostartDir, env: {}, execPath: '/opt/Vigil/vigil' });
    const entry = readFileSync(join(autostartDir, 'vigil.desktop'), 'utf8');
    expect(entry).toContain('[Desktop Entry]');
    expect(entry).toContain('Exec="/opt/Vigil/vigil" --hidden');
    expect(fake.app.loginItemSettings).toEqual([]);
    applyStartAtLogin(false, { platform: 'linux', autostartDir, env: {} });
    expect(existsSync(join(autostartDir, 'vigil.desktop'))).toBe(false);
  });

  it('points an AppImage entry at the AppImage file, not its temporary mount', () => {
    const autostartDir = join(fresh(), 'autostart');
    applyStartAtLogin(true, { platform: 'linux', autostartDir, env: { APPIMAGE: '/home/a/Apps/Vigil.AppImage' }, execPath: '/tmp/.mount_x/vigil' });
    expect(readFileSync(join(autostartDir, 'vigil.desktop'), 'utf8')).toContain('Exec="/home/a/Apps/Vigil.AppImage" --hidden');
  });

  it('defaults to $XDG_CONFIG_HOME/autostart', () => {
    const config = fresh();
    applyStartAtLogin(true, { platform: 'linux', env: { XDG_CONFIG_HOME: config }, execPath: '/usr/bin/vigil' });
    expect(existsSync(join(config, 'autostart', 'vigil.desktop'))).toBe(true);
  });

  it('quotes Exec paths by the desktop entry rules', () => {
    expect(desktopExecQuote('/opt/My Apps/vigil')).toBe('"/opt/My Apps/vigil"');
    expect(desktopExecQuote('/opt/a"b$c`d')).toBe('"/opt/a\\\\"b\\\\$c\\\\`d"');
    expect(desktopExecQuote('/opt/100%/vigil')).toBe('"/opt/100%%/vigil"');
  });

  it('a login launch starts hidden', () => {
    expect(startedHidden(['/usr/bin/vigil', '--hidden'], 'linux')).toBe(true);
    expect(startedHidden(['/usr/bin/vigil'], 'linux')).toBe(false);
    fake.app.wasOpenedAtLogin = true;
    expect(startedHidden(['/Applications/Vigil.app/Contents/MacOS/Vigil'], 'darwin')).toBe(true);
  });
});
