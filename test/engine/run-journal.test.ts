// A run's journal in the database: the log lines and HTTP calls a run reports while it runs are
// written in few transactions, replaced by its final logs when it ends, and kept when it cannot end.
// (The journal end to end: test/engine/sandbox-wire.test.ts and test/cli/restart-recovery.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunLogEntry } from '../../src/shared/domain.ts';
import { openSqliteStore, type SqliteStore } from '../../src/main/engine/index.ts';
import { RunJournal } from '../../src/main/engine/runs/journal.ts';
import type { RunOutcome } from '../../src/main/sandbox/index.ts';
import { eventually } from '../helpers/server.ts';
const entry = (seq: number, message: string): RunLogEntry => ({ seq, ts: new Date().toISOString(), level: 'info', message, fields: { seq }, step: null, http: null });
const outcome = (logs: RunLogEntry[], data: unknown = null): RunOutcome => ({ status: 'success', result: { success: true, message: 'done', data }, error: null, logs, httpCalls: [], durationMs: 5 });

describe('the journal in the database', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** A real store with `count` running runs, and a count of the transactions it commits. */
  function setup(count: number) {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-journal-'));
    dirs.push(dir);
    const store = openSqliteStore(join(dir, 'vigil.db'));
    const now = new Date().toISOString();
    const workflow = store.workflows.create(
      {
        name: 'journaled', code: 'export async function run(ctx) { return ctx.ok("x"); }', workflow_type: 'indicator', indicator_types: [], kind: 'script',
        state: 'active', approval_mode: 'never', approval_timeout_seconds: 3600, risk_level: 'low', timeout_seconds: 60, secrets: [], allowed_hosts: [],
        documentation: '', tags: [], schedule: null,
      },
      { now, author: null },
    );
    const input = { indicator: { type: 'ip' as const, value: '203.0.113.7', malice: null, enrichment: null }, alert: null, alert_uuid: null, context: null };
    for (let i = 0; i < count; i++) {
      store.runs.insertQueued({ workflow_id: workflow.id, workflow_version: 1, trigger_type: 'human', trigger_key_id: null, reason: null, confidence: null, input, approval_id: null }, now);
    }
    const ids = store.runs.claim(count, now);
    const errors: string[] = [];
    const journal = new RunJournal(store, { error: (message) => errors.push(message) });
    return { store, ids, journal, errors, commits: countCommits(store) };
  }

  it('writes N log lines of M concurrent runs in far fewer transactions than lines; final logs replace the journal', () => {
    const runs = 25;
    const lines = 40;
    const { store, ids, journal, commits } = setup(runs);
    for (let line = 0; line < lines; line++) for (const id of ids) journal.add(id, entry(line, `line ${line}`));
    journal.flush();
    // Visible while the runs are running.
    for (const id of ids) expect(store.runs.logs(id).map((e) => e.message)).toEqual(Array.from({ length: lines }, (_, i) => `line ${i}`));
    const whileRunning = commits();
    expect(whileRunning).toBeLessThanOrEqual(Math.ceil((runs * lines) / 100));

    for (const id of ids) expect(journal.finish(id, `run-${id}`, outcome([entry(0, 'final one'), entry(1, 'final two')]), new Date().toISOString())).toBe('success');
    // One transaction per run end, as without a journal.
    expect(commits() - whileRunning).toBe(runs);
    for (const id of ids) {
      expect(store.runs.logs(id).map((e) => e.message)).toEqual(['final one', 'final two']);
      expect(store.runs.getById(id)!.status).toBe('success');
    }
    store.close();
  });

  it("a run's end carries the other runs' waiting entries in its own transaction, and drops its own", () => {
    const { store, ids, journal, commits } = setup(2);
    const [first, second] = ids as [number, number];
    journal.add(first, entry(0, 'first, superseded'));
    journal.add(second, entry(0, 'second, journaled'));
    journal.finish(first, 'first', outcome([entry(0, 'first, final')]), new Date().toISOString());
    expect(commits()).toBe(1);
    expect(store.runs.logs(first).map((e) => e.message)).toEqual(['first, final']);
    expect(store.runs.logs(second).map((e) => e.message)).toEqual(['second, journaled']);
    // Nothing is left to write: a late entry of the finished run is not written beside its final logs.
    journal.add(first, entry(1, 'too late'));
    journal.flush();
    expect(store.runs.logs(first).map((e) => e.message)).toEqual(['first, final']);
    store.close();
  });

  it("entries that cannot be written are logged and dropped, and never stop another run's end", () => {
    const { store, ids, journal, errors } = setup(2);
    const [first, second] = ids as [number, number];
    // A BigInt cannot be stored as JSON.
    journal.add(second, { ...entry(0, 'unwritable'), fields: { n: 10n } });
    expect(journal.finish(first, 'first', outcome([entry(0, 'first, final')]), new Date().toISOString())).toBe('success');
    expect(store.runs.logs(first).map((e) => e.message)).toEqual(['first, final']);
    expect(store.runs.logs(second)).toEqual([]);
    expect(errors).toEqual([expect.stringMatching(/^1 run journal entries could not be written: .*BigInt/)]);
    store.close();
  });

  it('writes what waits on its own after a short while, in one transaction', async () => {
    const { store, ids, journal, commits } = setup(1);
    for (let i = 0; i < 5; i++) journal.add(ids[0]!, entry(i, `line ${i}`));
    await eventually(async () => store.runs.logs(ids[0]!).length === 5, 'the journal to be written');
    expect(commits()).toBe(1);
    store.close();
  });

  it('an outcome that cannot be recorded is recorded failed with the reason, after what the run journaled', () => {
    const { store, ids, journal, errors } = setup(1);
    const id = ids[0]!;
    journal.add(id, entry(0, 'called the firewall'));
    journal.flush();
    // A BigInt cannot be stored as JSON.
    const status = journal.finish(id, 'the-run', outcome([entry(0, 'final')], { n: 10n }), new Date().toISOString());
    expect(status).toBe('failed');
    const run = store.runs.getById(id)!;
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^Vigil could not record the run's outcome \(success\): .*BigInt/);
    expect(store.runs.logs(id).map((e) => [e.seq, e.message])).toEqual([
      [0, 'called the firewall'],
      [1, run.error],
    ]);
    expect(errors).toEqual([`run the-run: ${run.error}`]);
    store.close();
  });

  it('start-up fails runs left running as interrupted, keeping their journal and saying so', () => {
    const { store, ids, journal } = setup(2);
    const [journaled, silent] = ids as [number, number];
    journal.add(journaled, entry(0, 'blocking 203.0.113.7'));
    journal.add(journaled, { ...entry(1, 'POST https://fw.example/block → 200 (12 ms, 2 bytes)'), http: { method: 'POST', url: 'https://fw.example/block', status: 200, ms: 12, bytes: 2 } });
    journal.flush();
    expect(store.runs.failInterrupted(new Date().toISOString()).sort()).toEqual([journaled, silent].sort());
    const logs = store.runs.logs(journaled);
    expect(logs.map((e) => e.message)).toEqual(['blocking 203.0.113.7', 'POST https://fw.example/block → 200 (12 ms, 2 bytes)', expect.stringMatching(/^interrupted: Vigil stopped while this run was running\. The entries above are what it did/)]);
    expect(logs[1]!.http).toMatchObject({ status: 200 });
    expect(logs[2]).toMatchObject({ seq: 2, level: 'error' });
    expect(store.runs.logs(silent).map((e) => e.message)).toEqual(['interrupted: Vigil stopped while this run was running, before the run had recorded anything.']);
    expect(store.runs.getById(journaled)).toMatchObject({ status: 'failed', error: 'interrupted' });
    store.close();
  });
});

/** Counts committed transactions: calls of better-sqlite3 transaction functions that are not nested in another. */
function countCommits(store: SqliteStore): () => number {
  let commits = 0;
  const db = store.db;
  const original = db.transaction.bind(db);
  type Tx = ((...args: unknown[]) => unknown) & { deferred: Tx; immediate: Tx; exclusive: Tx };
  const counted = (run: (...args: unknown[]) => unknown) => (...args: unknown[]) => {
    const outermost = !db.inTransaction;
    const result = run(...args);
    if (outermost) commits++;
    return result;
  };
  (db as unknown as { transaction: (fn: (...args: unknown[]) => unknown) => Tx }).transaction = (fn) => {
    const tx = original(fn) as unknown as Tx;
    return Object.assign(counted(tx), { deferred: counted(tx.deferred), immediate: counted(tx.immediate), exclusive: counted(tx.exclusive) }) as Tx;
  };
  return () => commits;
}
