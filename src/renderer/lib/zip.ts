// Reading a .zip of an export in the browser, through fflate. The synchronous reader: an export is
// small, and fflate's asynchronous one starts workers from blob URLs, which the console's
// Content-Security-Policy does not allow.
import { unzipSync } from 'fflate';

export interface ZipEntry {
  name: string;
  bytes: Uint8Array;
}

export class ZipError extends Error {}

/** The files in a zip archive (folders left out), in the archive's order. */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    throw new ZipError(`This is not a zip archive fflate can read (${(error as Error).message}).`);
  }
  return Object.entries(files)
    .filter(([name]) => !name.endsWith('/'))
    .map(([name, data]) => ({ name, bytes: data }));
}
