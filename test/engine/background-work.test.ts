// Work the engine starts on its own, from a timer, must not stop the engine when the database
// refuses it. Here another process holds SQLite's write lock past the busy timeout (a backup tool,
// a second program on the file): the refusal is logged once, nothing is lost, and the work is done
// once the lock is gone. Before, the error reached the event loop and ended the process.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
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

describe('work the engine starts on its own, while another process holds the database', () => {
  const errors: string[] = [];
  let now = Date.now();
  const t = testServer({ clock: { now: () => now }, log: { info: () => undefined, error: (message) => void errors.push(message) } });
  const logged = (what: string) => errors.filter((message) => message.startsWith(what));

  /** Runs `during` while another process holds the write lock, then releases it. */
  async function whileLocked(during: (reader: Database.Database) => Promise<void>): Promise<Database.Database> {
    // Read on a connection of its own: an API request could itself wait for the lock.
    const reader = new Database(join(t.dataDir, 'vigil.db'), { readonly: true });
    const holder: ChildProcessByStdio<Writable, Readable, null> = spawn(process.execPath, ['-e', LOCK_HOLDER, join(t.dataDir, 'vigil.db')], {
      cwd: process.cwd(),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      await once(holder.stdout, 'data');
      await during(reader);
      holder.stdin.end('release\n');
      await once(holder, 'exit');
    } finally {
      holder.kill();
    }
    return reader;
  }

  async function workflow(fields: Record<string, unknown>): Promise<string> {
    const created = await t.request('POST', '/v1/workflows', { body: { name: `wf ${Math.random()}`, code: TRIVIAL_WORKFLOW, state: 'active', ...fields } });
    expect(created.status).toBe(201);
    return created.body.data.uuid;
  }
  const body = { indicator_type: 'ip', indicator_value: '203.0.113.7' };

  it('a queued run stays queued, the refusal is logged once, and the run starts when the lock is gone', async () => {
    const uuid = await workflow({ approval_mode: 'never' });
    const { scheduler } = t.server.engine;
    await scheduler.drain();
    const executed = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key: t.keys.human, body });
    expect(executed.status).toBe(202);
    const status = (reader: Database.Database) =>
      reader.prepare<[string], { status: string }>('SELECT status FROM runs WHERE uuid = ?').get(executed.body.data.run_uuid)?.status;

    const reader = await whileLocked(async (reader) => {
      scheduler.resume();
      await eventually(async () => logged('starting queued runs failed').length > 0, 'the refused claim to be logged', 20_000);
      expect(status(reader)).toBe('queued');
    });
    await eventually(async () => status(reader) === 'success', 'the run to start and succeed once the lock is gone', 20_000);
    reader.close();
    expect(logged('starting queued runs failed')).toEqual(['starting queued runs failed, trying again: database is locked']);
  }, 60_000);

  it('an approval request that expires meanwhile is expired once the lock is gone', async () => {
    const uuid = await workflow({ approval_mode: 'always', approval_timeout_seconds: 60 });
    const executed = await t.request('POST', `/v1/workflows/${uuid}/execute`, { key: t.keys.human, body });
    expect(executed.status).toBe(202);
    const approvalUuid: string = executed.body.data.approval_request_uuid;
    const status = (reader: Database.Database) =>
      reader.prepare<[string], { status: string }>('SELECT status FROM approvals WHERE uuid = ?').get(approvalUuid)?.status;

    const reader = await whileLocked(async (reader) => {
      now += 61_000;
      // What another instance's new request does: the sweeper re-arms, for the overdue one at once.
      t.server.engine.bus.emitRemote('approval.created', new Date(now).toISOString(), { approval_uuid: 'elsewhere', workflow_uuid: uuid }, null);
      await eventually(async () => logged('expiring overdue approval requests failed').length > 0, 'the refused expiry to be logged', 20_000);
      expect(status(reader)).toBe('pending');
    });
    await eventually(async () => status(reader) === 'expired', 'the request to expire once the lock is gone', 20_000);
    reader.close();
    expect(logged('expiring overdue approval requests failed')).toHaveLength(1);
  }, 60_000);
});
