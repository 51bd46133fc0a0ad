// bin/vigil.js runs out/cli only while the bundle is current: a bundle built from other sources
// than the checkout's must never run in their place.
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module without types
import { cliBundleIsCurrent } from '../../scripts/cli-bundle.js';

const isCurrent = cliBundleIsCurrent as (manifest: string) => boolean;
const scratch = mkdtempSync(join(tmpdir(), 'vigil-cli-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function manifestOf(files: string[]): string {
  const manifest = join(scratch, 'inputs.json');
  writeFileSync(manifest, JSON.stringify({ files: files.map((path) => [path, statSync(path).mtimeMs, statSync(path).size]) }));
  return manifest;
}

describe('the vigil command bundle', () => {
  it('is current while every input keeps its size and mtime', () => {
    const source = join(scratch, 'a.ts');
    writeFileSync(source, 'export const a = 1;\n');
    expect(isCurrent(manifestOf([source]))).toBe(true);
  });

  it('is stale once an input is edited, even to the same size, or put back to an older time', () => {
    const source = join(scratch, 'b.ts');
    writeFileSync(source, 'export const b = 1;\n');
    const manifest = manifestOf([source]);
    writeFileSync(source, 'export const b = 2;\n');
    // A file system with coarse timestamps could give the edit the same mtime; a real edit a moment later would not.
    utimesSync(source, new Date(), new Date(Date.now() + 2000));
    expect(isCurrent(manifest)).toBe(false);
    utimesSync(source, new Date(2000, 0, 1), new Date(2000, 0, 1));
    expect(isCurrent(manifest)).toBe(false);
  });

  it('is stale when an input is gone, and missing without its manifest', () => {
    const source = join(scratch, 'c.ts');
    writeFileSync(source, 'export const c = 1;\n');
    const manifest = manifestOf([source]);
    rmSync(source);
    expect(isCurrent(manifest)).toBe(false);
    expect(isCurrent(join(scratch, 'none.json'))).toBe(false);
  });
});
