import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.ts'));

const fake = await import('./fake-electron.ts');
const { loadIcons, trayImageFile } = await import('../../src/main/shell/icons.ts');

const resources = join(import.meta.dirname, '..', '..', 'resources');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('tray and app icons', () => {
  it('picks a badge per count on Linux and Windows, "9+" above nine, the template on macOS', () => {
    expect(trayImageFile(0, 'linux')).toBe(join('tray', 'tray.png'));
    expect(trayImageFile(3, 'win32')).toBe(join('tray', 'tray-3.png'));
    expect(trayImageFile(9, 'linux')).toBe(join('tray', 'tray-9.png'));
    expect(trayImageFile(10, 'linux')).toBe(join('tray', 'tray-9plus.png'));
    expect(trayImageFile(250, 'linux')).toBe(join('tray', 'tray-9plus.png'));
    expect(trayImageFile(4, 'darwin')).toBe(join('tray', 'trayTemplate.png'));
  });

  it('every image the shell can ask for exists, at 1x and 2x, as a PNG', () => {
    const files = new Set<string>(['icon.png']);
    for (let count = 0; count <= 12; count++) {
      for (const platform of ['linux', 'darwin'] as const) {
        const file = trayImageFile(count, platform);
        files.add(file);
        files.add(file.replace(/\.png$/, '@2x.png'));
      }
    }
    for (const file of files) {
      const path = join(resources, file);
      expect(existsSync(path), file).toBe(true);
      expect(readFileSync(path).subarray(0, 8).equals(PNG_SIGNATURE), file).toBe(true);
    }
  });

  it('loads each tray image once, and marks the macOS one as a template', () => {
    fake.resetFakes();
    const mac = loadIcons('/r', 'darwin');
    const first = mac.tray(1) as unknown as InstanceType<typeof fake.FakeNativeImage>;
    expect(mac.tray(7)).toBe(first);
    expect(first.template).toBe(true);
    const linux = loadIcons('/r', 'linux');
    expect(linux.tray(2)).toBe(linux.tray(2));
    expect(linux.tray(2)).not.toBe(linux.tray(3));
  });
});
