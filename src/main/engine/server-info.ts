// <data-dir>/server.json: how local tools find the running Vigil, written once the API listens and
// removed when it stops. A process that is killed (kill -9, a crash, a power cut) cannot remove it,
// so every reader checks that the process it names still exists before trusting it.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServerInfo {
  url: string;
  pid: number;
}

export type ServerInfoState =
  | { status: 'missing'; path: string }
  | { status: 'unreadable'; path: string }
  /** The file outlived its process: Vigil stopped without cleaning up. */
  | { status: 'stopped'; path: string; info: ServerInfo }
  /** The process exists but nothing answers at its URL: a later process got the pid. */
  | { status: 'silent'; path: string; info: ServerInfo }
  | { status: 'running'; path: string; info: ServerInfo };

const SERVER_INFO_FILE = 'server.json';

/** How long a live server has to answer /v1/health before its entry is taken for a stale one. */
const HEALTH_TIMEOUT_MS = 3000;

function serverInfoPath(dataDir: string): string {
  return join(dataDir, SERVER_INFO_FILE);
}

function readServerInfo(path: string): ServerInfo | 'missing' | 'unreadable' {
  let info: Partial<ServerInfo>;
  try {
    info = JSON.parse(readFileSync(path, 'utf8')) as Partial<ServerInfo>;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  if (typeof info?.url !== 'string' || typeof info.pid !== 'number' || !Number.isSafeInteger(info.pid) || info.pid <= 0) return 'unreadable';
  return { url: info.url, pid: info.pid };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function answersHealth(url: string): Promise<boolean> {
  const health = new URL('/v1/health', url);
  try {
    if (health.protocol === 'https:') {
      // A server with its own TLS certificate (issued for its public name) is dialled here on its
      // loopback address, where the name cannot match. This only asks whether our own process is
      // alive, nothing is sent, so the certificate is not what it proves.
      const { request, Agent } = await import('undici');
      const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
      try {
        const response = await request(health, { dispatcher, signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
        await response.body.dump();
        return response.statusCode === 200;
      } finally {
        await dispatcher.close();
      }
    }
    const response = await fetch(health, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** Whether the Vigil that <data-dir>/server.json names is running: its process exists and its API answers. */
export async function inspectServer(dataDir: string): Promise<ServerInfoState> {
  const path = serverInfoPath(dataDir);
  const info = readServerInfo(path);
  if (info === 'missing' || info === 'unreadable') return { status: info, path };
  if (!processExists(info.pid)) return { status: 'stopped', path, info };
  return { status: (await answersHealth(info.url)) ? 'running' : 'silent', path, info };
}

/**
 * Refuses to start a second engine on a data folder a running Vigil serves: both would claim the
 * same run queue (each failing the other's running runs as interrupted). A stale entry is left for
 * writeServerInfo to replace.
 */
export async function assertNotServed(dataDir: string): Promise<void> {
  const found = await inspectServer(dataDir);
  if (found.status !== 'running') return;
  throw new Error(
    `Vigil is already running on the data folder ${dataDir} (process ${found.info.pid}, ${found.info.url}). ` +
      'Two engines on one database would fight over its run queue: use the running one, stop it first, or choose another data folder.',
  );
}

export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  const path = serverInfoPath(dataDir);
  writeFileSync(path, `${JSON.stringify(info)}\n`, { mode: 0o600 });
  // writeFileSync's mode applies to a new file only; a stale one keeps whatever it had.
  chmodSync(path, 0o600);
}

/** Removes server.json if it is still this process's: a server started after this one was taken for stale owns it now. */
export function removeServerInfo(dataDir: string, pid: number): void {
  const path = serverInfoPath(dataDir);
  const info = readServerInfo(path);
  if (typeof info === 'object' && info.pid === pid) rmSync(path, { force: true });
}
