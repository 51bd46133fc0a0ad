// Group commit: what is handed in during one event-loop turn commits in one transaction, each piece
// in a savepoint, and every caller hears only after the commit. Through the API: executes that
// arrive together are each answered with their own run, and retries that race each other under
// one Idempotency-Key still create one run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../src/main/engine/index.ts';
import { eventually, testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

describe("the store's group commit", () => {
  let dir: string;
  let store: SqliteStore;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-group-'));
    store = openSqliteStore(join(dir, 'vigil.db'));
    store.db.exec('CREATE TABLE notes (text TEXT NOT NULL)');
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const insert = (text: string | null) => () => store.db.prepare('INSERT INTO notes (text) VALUES (?)').run(text).changes;
  const notes = () => store.db.prepare<[], { text: string }>('SELECT text FROM notes ORDER BY rowid').all().map((row) => row.text);

  it('commits the pieces of one turn together; a failing piece undoes only itself and rejects only its caller', async () => {
    let seenByAnotherConnection: unknown[] = [];
    const first = store.batched(insert('first')).then((value) => {
      // Answered after the commit: another connection already sees the rows.
      const reader = new Database(join(dir, 'vigil.db'), { readonly: true });
      seenByAnotherConnection = reader.prepare('SELECT text FROM notes ORDER BY rowid').all();
      reader.close();
      return value;
    });
    const broken = store.batched(insert(null));
    const third = store.batched(insert('third'));
    expect(store.db.inTransaction).toBe(false);
    expect(notes()).toEqual([]);
    await expect(first).resolves.toBe(1);
    await expect(broken).rejects.toThrow(/NOT NULL/);
    await expect(third).resolves.toBe(1);
    expect(seenByAnotherConnection).toEqual([{ text: 'first' }, { text: 'third' }]);
    expect(notes()).toEqual(['first', 'third']);
  });

  it('commits what is pending when the store closes', async () => {
    const path = join(dir, 'closing.db');
    const closing = openSqliteStore(path);
    closing.db.exec('CREATE TABLE notes (text TEXT NOT NULL)');
    const pending = closing.batched(() => closing.db.prepare("INSERT INTO notes (text) VALUES ('kept')").run().changes);
    closing.close();
    await expect(pending).resolves.toBe(1);
    const reopened = openSqliteStore(path);
    expect(reopened.db.prepare('SELECT text FROM notes').all()).toEqual([{ text: 'kept' }]);
    reopened.close();
  });
});

describe('executes that arrive together', () => {
  const t = testServer();

  const body = { indicator_type: 'ip', indicator_value: '203.0.113.7' };
  async function workflow(): Promise<string> {
    const res = await t.request('POST', '/v1/workflows', { body: { name: `wf ${Math.random()}`, code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: 'never' } });
    return res.body.data.uuid;
  }

  it('each get their own run, and every run finishes', async () => {
    const uuid = await workflow();
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.request('POST', `/v1/workflows/${uuid}/execute`, { key: t.keys.human, body })));
    expect(answers.map((res) => res.status)).toEqual(Array(20).fill(202));
    expect(new Set(answers.map((res) => res.body.data.run_uuid)).size).toBe(20);
    await eventually(async () => {
      const done = await t.request('GET', `/v1/workflow-runs?workflow_uuid=${uuid}&status=success&page_size=1`);
      return done.body.meta.total === 20;
    }, '20 runs to succeed');
  });

  it('under one Idempotency-Key create one run and all hear the same answer', async () => {
    const uuid = await workflow();
    const headers = { 'idempotency-key': `together-${Math.random()}` };
    const answers = await Promise.all(Array.from({ length: 10 }, () => t.request('POST', `/v1/workflows/${uuid}/execute`, { key: t.keys.human, body, headers })));
    expect(answers.map((res) => res.status)).toEqual(Array(10).fill(202));
    expect(new Set(answers.map((res) => res.body.data.run_uuid)).size).toBe(1);
    expect((await t.request('GET', `/v1/workflows/${uuid}/runs`)).body.meta.total).toBe(1);
  });
});
