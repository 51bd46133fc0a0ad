// A claim the database refuses must not stop the engine. Here another process holds SQLite's write
// lock past the busy timeout (a backup tool, a second program on the file) while a run waits: the
// run stays queued, the refusal is logged once, and the run starts once the lock is gone.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { eventually, testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

/** Takes the write lock of the database named by its argument, and keeps it until stdin says so. */
const LOCK_HOLDER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
`;

describe('a claim the database refuses', () => {
  const errors: string[] = [];
  const t = testServer({ log: { info: () => undefined, error: (message) => void errors.push(message) } });
  const refusals = () => errors.filter((message) => message.includes('queued runs could not be started'));

  it('leaves the run queued, says so once, and starts it when the database answers again', async () => {
    const created = await t.request('POST', '/v1/workflows', { body: { name: 'held', code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never' } });
    const { scheduler } = t.server.engine;
    await scheduler.drain();
    const executed = await t.request('POST', `/v1/workflows/${created.body.data.uuid}/execute`, {
      key: t.keys.human,
      body: { indicator_type: 'ip', indicator_value: '203.0.113.7' },
    });
    expect(executed.status).toBe(202);
    // Read on a connection of its own: an API request could itself wait for the lock.
    const reader = new Database(join(t.dataDir, 'vigil.db'), { readonly: true });
    const status = () => reader.prepare<[string], { status: string }>('SELECT status FROM runs WHERE uuid = ?').get(executed.body.data.run_uuid)?.status;

    const holder = spawn(process.execPath, ['-e', LOCK_HOLDER, join(t.dataDir, 'vigil.db')], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await once(holder.stdout, 'data');
      scheduler.resume();
      await eventually(async () => refusals().length > 0, 'the refused claim to be logged', 20_000);
      expect(status()).toBe('queued');
      holder.stdin.end('release\n');
      await once(holder, 'exit');
      await eventually(async () => status() === 'success', 'the run to start and succeed once the lock is gone', 20_000);
      expect(refusals()).toHaveLength(1);
      expect(refusals()[0]).toMatch(/trying again every second: database is locked/);
    } finally {
      holder.kill();
      reader.close();
    }
  }, 60_000);
});
