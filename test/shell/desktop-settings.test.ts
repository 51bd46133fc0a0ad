import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { applyStartAtLogin, desktopExecQuote, DesktopSettingsStore, startedHidden } = await import('../../src/main/shell/desktop-settings.ts');

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
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ startAtLogin: true });
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
