import { mkdtempSync, readFileSync, rmSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { serve, vigil } from '../helpers/cli.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('vigil command', () => {
  it('prints useful help and refuses unknown commands and flags', async () => {
    const help = await vigil(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/serve/);
    expect(help.stdout).toMatch(/keys/);
    const serveHelp = await vigil(['serve', '--help']);
    expect(serveHelp.code).toBe(0);
    expect(serveHelp.stdout).toMatch(/--data-dir/);
    const unknown = await vigil(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const badFlag = await vigil(['keys', 'list', '--verbose']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--verbose/);
  });

  it('creates, lists and revokes keys without a server', async () => {
    const dataDir = tempDir();
    const created = await vigil(['keys', 'create', '--name', 'soar-bot', '--type', 'agent', '--data-dir', dataDir, '--json']);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key).toEqual({
      key: expect.stringMatching(/^vgl_/),
      prefix: key.key.slice(0, 12),
      uuid: expect.any(String),
      key_type: 'agent',
      scopes: ['workflows:read', 'workflows:execute'],
    });
    const listed = await vigil(['keys', 'list', '--json', '--data-dir', dataDir]);
    expect(listed.stdout).not.toContain(key.key);
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({ uuid: key.uuid, name: 'soar-bot', revoked_at: null });
    const revoked = await vigil(['keys', 'revoke', key.prefix, '--data-dir', dataDir]);
    expect(revoked.code).toBe(0);
    const after = JSON.parse((await vigil(['keys', 'list', '--json', '--data-dir', dataDir])).stdout);
    expect(after[0].revoked_at).toMatch(/Z$/);
    const badType = await vigil(['keys', 'create', '--name', 'x', '--type', 'robot', '--data-dir', dataDir]);
    expect(badType.code).toBe(2);
    const badScope = await vigil(['keys', 'create', '--name', 'x', '--type', 'agent', '--scopes', 'approvals:write', '--data-dir', dataDir]);
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toMatch(/Agent keys cannot hold approvals:write/);
  });

  it('names the data folder, and read-only commands never create one', async () => {
    // What `npx vigil keys list` on a fresh machine does: no --data-dir, so the per-user folder.
    const home = tempDir();
    const env = { HOME: home, XDG_DATA_HOME: join(home, 'share'), VIGIL_DATA_DIR: '' };
    const perUser = join(home, 'share', 'vigil');
    const listed = await vigil(['keys', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`No API keys: there is no Vigil data in ${perUser} (no vigil.db; nothing was created there).`);
    expect((await vigil(['keys', 'list', '--json'], env)).stdout).toBe('[]\n');
    const revoked = await vigil(['keys', 'revoke', 'vgl_abc'], env);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain(`no key vgl_abc: there is no Vigil data in ${perUser}`);
    const shown = await vigil(['notifiers', 'show'], env);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain(`there is no Vigil data in ${perUser}`);
    expect(existsSync(perUser)).toBe(false);

    const created = await vigil(['keys', 'create', '--name', 'analyst', '--type', 'human'], env);
    expect(created.stdout).toMatch(new RegExp(`^Created human key "analyst" \\(.+\\) with scopes .+, in ${perUser}\\.`));
    expect((await vigil(['keys', 'list'], env)).stdout).toMatch(new RegExp(`^API keys in ${perUser}:\\n.+analyst`));
  });

  it('serve prints its URL, writes server.json (0600), serves keys made by the CLI, and exits 0 on SIGTERM', async () => {
    // A data folder serve creates itself, under the umask most systems use: owner-only all the same.
    const dataDir = join(tempDir(), 'data');
    const umask = process.umask(0o022);
    const starting = serve(dataDir); // spawned at once, so the child inherits this umask
    process.umask(umask);
    const server = await starting;
    const mode = (name: string) => statSync(join(dataDir, name)).mode & 0o777;
    try {
      const info = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8'));
      expect(info).toEqual({ url: server.url, pid: server.child.pid });
      expect(mode('server.json')).toBe(0o600);
      expect(mode('.')).toBe(0o700);
      for (const name of ['vigil.db', 'vigil.db-wal', 'vigil.db-shm']) expect(mode(name), name).toBe(0o600);
      const { stdout } = await vigil(['keys', 'create', '--name', 'me', '--type', 'human', '--json', '--data-dir', dataDir]);
      const res = await fetch(`${server.url}/v1/workflows`, { headers: { authorization: `Bearer ${JSON.parse(stdout).key}` } });
      expect(res.status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
  });

  it('refuses a database written by a newer Vigil, changing nothing', async () => {
    const dataDir = tempDir();
    const db = new Database(join(dataDir, 'vigil.db'));
    db.pragma('user_version = 999');
    db.close();
    const result = await vigil(['keys', 'list', '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/newer version of Vigil/);
    const after = new Database(join(dataDir, 'vigil.db'));
    expect(after.pragma('user_version', { simple: true })).toBe(999);
    after.close();
    await expect(serve(dataDir)).rejects.toThrow(/newer version of Vigil/);
  });

  it('refuses to bind a non-loopback address without a public URL', async () => {
    const result = await vigil(['serve', '--host', '0.0.0.0', '--data-dir', tempDir()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/reaches beyond this machine.*--public-url/);
  });
});

describe('server.json after an unclean stop', () => {
  const info = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8'));
  const mcp = (dataDir: string) => vigil(['mcp', '--data-dir', dataDir], { VIGIL_API_KEY: 'vgl_not-needed-to-fail' });

  it('a second serve on a live data folder refuses; after kill -9, vigil mcp says Vigil is not running and a new serve takes over', async () => {
    const dataDir = tempDir();
    const first = await serve(dataDir);
    try {
      await expect(serve(dataDir)).rejects.toThrow(/Vigil is already running on the data folder .* \(process \d+, http:\/\/127\.0\.0\.1:\d+\)\. Two engines on one database would fight over its run queue/);
      expect(info(dataDir)).toEqual({ url: first.url, pid: first.child.pid });
      expect((await fetch(`${first.url}/v1/health`)).status).toBe(200);
    } finally {
      first.child.kill('SIGKILL');
    }
    await first.exited;
    expect(info(dataDir).pid).toBe(first.child.pid);

    const relay = await mcp(dataDir);
    expect(relay.code).toBe(1);
    expect(relay.stderr).toContain(`Vigil is not running: ${join(dataDir, 'server.json')} names process ${first.child.pid}, which has exited without cleaning up`);
    expect(relay.stderr).toContain('Start it with "vigil serve"');

    const second = await serve(dataDir);
    try {
      expect(info(dataDir)).toEqual({ url: second.url, pid: second.child.pid });
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
  });

  it('replaces an entry whose process exists but whose address does not answer (a reused pid)', async () => {
    const dataDir = tempDir();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    // This test's own process stands in for an unrelated program that got the dead server's pid.
    writeFileSync(join(dataDir, 'server.json'), JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid }));

    const relay = await mcp(dataDir);
    expect(relay.code).toBe(1);
    expect(relay.stderr).toContain(`Vigil is not answering at http://127.0.0.1:${port}`);

    const server = await serve(dataDir);
    try {
      expect(info(dataDir)).toEqual({ url: server.url, pid: server.child.pid });
      expect(statSync(join(dataDir, 'server.json')).mode & 0o777).toBe(0o600);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });
});
