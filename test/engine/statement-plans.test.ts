// The statements a run or a status poll executes keep their compiled plan between executions.
//
// SQLite re-prepares a statement whose plan could depend on a bound value (an equality beside
// `ORDER BY … LIMIT`, the key that drives a join, `LIMIT ?`) whenever that binding changes, and
// better-sqlite3 clears every binding after each execution: such a statement is compiled again
// every time it runs, 30–60 µs of the engine's thread per call (design-decisions.md § Engine
// performance). better-sqlite3 builds a statement's row shape with `Function` when the statement
// is first prepared and again after each re-preparation, so counting those calls per statement,
// while it runs with a different value each time, tells a re-prepared statement from a kept one.
// The control below proves the probe still sees a re-preparation. The repositories' hot statements
// are checked one by one, then everything a round of agent requests executes through the API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../src/main/engine/index.ts';
import { WORKFLOW_DEFAULTS } from '../../src/shared/domain.ts';
import { eventually, testServer, TRIVIAL_WORKFLOW } from '../helpers/server.ts';

type Method = 'get' | 'all';

/** Row shapes built per prepared statement while the probe is installed, by SQL text and serial. */
const shapes = new Map<string, number>();
let prepared = 0;
/** Executions of prepared statements while the probe is installed. */
let executions = 0;
let running: string | null = null;
const RealFunction = globalThis.Function;
const realPrepare = Database.prototype.prepare;

function installProbe(): void {
  globalThis.Function = new Proxy(RealFunction, {
    apply(target, self, args) {
      if (running !== null) shapes.set(running, (shapes.get(running) ?? 0) + 1);
      return Reflect.apply(target, self, args) as unknown;
    },
  });
  Database.prototype.prepare = function prepare(this: Database.Database, sql: string) {
    const statement = realPrepare.call(this, sql);
    const key = `${sql.replace(/\s+/g, ' ').trim().slice(0, 160)} (#${++prepared})`;
    for (const method of ['get', 'all'] as Method[]) {
      const execute = statement[method].bind(statement) as (...args: unknown[]) => unknown;
      Object.defineProperty(statement, method, {
        value: (...args: unknown[]) => {
          running = key;
          executions++;
          try {
            return execute(...args);
          } finally {
            running = null;
          }
        },
      });
    }
    return statement;
  } as typeof realPrepare;
}

function removeProbe(): void {
  globalThis.Function = RealFunction;
  Database.prototype.prepare = realPrepare;
}

/** The statements that built their row shape more than once since the last reset. */
function reprepared(): string[] {
  return [...shapes].filter(([, count]) => count > 1).map(([statement]) => statement);
}

// Before any store opens, so that every statement the engine prepares is watched.
beforeAll(installProbe);
afterAll(removeProbe);

describe('statements on the run path', () => {
  let dir: string;
  let store: SqliteStore;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-plans-'));
    store = openSqliteStore(join(dir, 'vigil.db'));
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const now = () => new Date().toISOString();
  const input = { indicator: { type: 'ip' as const, value: '203.0.113.7', malice: null, enrichment: null }, alert: null, alert_uuid: null, context: null };

  function workflow(name: string) {
    return store.workflows.create({ ...WORKFLOW_DEFAULTS, name, code: 'export async function run(ctx) { return ctx.ok("x"); }', state: 'active' }, { now: now(), author: null });
  }

  it('the probe sees a statement that is compiled again on every execution', () => {
    shapes.clear();
    const control = store.db.prepare("SELECT id FROM runs WHERE status = 'queued' AND trigger_key_id = ? ORDER BY id LIMIT 1");
    const wf = workflow('control');
    const keys = [1, 2, 3].map((i) => store.keys.create({ name: `control ${i}`, key_type: 'agent', scopes: ['workflows:execute'], expires_at: null, now: now() }).key);
    for (const key of keys) store.runs.insertQueued({ workflow_id: wf.id, workflow_version: 1, trigger_type: 'agent', trigger_key_id: key.id, reason: null, confidence: null, input, approval_id: null }, now());
    for (const key of keys) expect(control.get(key.id)).toBeDefined();
    // If this fails, better-sqlite3 or SQLite no longer re-prepares such statements: the probe
    // cannot see what the next test guards, and the CASTs in the repositories may be unneeded.
    expect(reprepared()).toHaveLength(1);
    store.runs.claim(10, now());
  });

  it('claiming, reading and polling runs and approvals compiles each statement once', () => {
    const workflows = [workflow('one'), workflow('two'), workflow('three')];
    const keys = [1, 2, 3].map((i) => store.keys.create({ name: `agent ${i}`, key_type: 'agent', scopes: ['workflows:execute'], expires_at: null, now: now() }).key);
    const runIds: number[] = [];
    const approvals: Array<{ id: number; uuid: string }> = [];
    for (const [i, wf] of workflows.entries()) {
      const key = keys[i]!;
      const approval = store.approvals.insertPending({
        workflow_id: wf.id, workflow_version: 1, trigger_type: 'agent', trigger_key_id: key.id, reason: null, confidence: null, input,
        created_at: now(), expires_at: new Date(Date.now() + 60_000).toISOString(), decide_token_hash: `hash ${i}`,
      });
      approvals.push(approval);
      for (let n = 0; n < 2; n++) {
        store.runs.insertQueued({ workflow_id: wf.id, workflow_version: 1, trigger_type: 'agent', trigger_key_id: key.id, reason: null, confidence: null, input, approval_id: approval.id }, now());
      }
      store.runs.insertQueued({ workflow_id: wf.id, workflow_version: 1, trigger_type: 'human', trigger_key_id: null, reason: null, confidence: null, input, approval_id: null }, now());
    }
    shapes.clear();

    // What the scheduler does per run: claim the oldest run of each key in turn, read it and its version.
    for (const key of keys) {
      const id = store.transaction(() => store.runs.claimOldestOf(key.id, now()));
      expect(id).toBeDefined();
      runIds.push(id!);
    }
    for (let i = 0; i < 2; i++) expect(store.transaction(() => store.runs.claimOldestOf(null, now()))).toBeDefined();
    expect(store.transaction(() => store.runs.claim(1, now()))).toHaveLength(1);
    expect(store.transaction(() => store.runs.claim(2, now()))).toHaveLength(2);
    for (const [i, id] of runIds.entries()) {
      const run = store.runs.getById(id)!;
      expect(run.workflow_uuid).toBe(workflows[i]!.uuid);
      expect(run.trigger_key?.uuid).toBe(keys[i]!.uuid);
      expect(run.approval_uuid).toBe(approvals[i]!.uuid);
      expect(store.workflows.getById(run.workflow_id)!.uuid).toBe(workflows[i]!.uuid);
      expect(store.workflows.version(run.workflow_id, run.workflow_version)!.version).toBe(1);
      store.runs.appendJournal([{ runId: id, entry: { seq: 0, ts: now(), level: 'info', message: 'working', fields: null, step: null, http: null } }]);
    }
    // What a caller waiting for its run or approval polls.
    for (const [i, id] of runIds.entries()) {
      expect(store.runs.get(store.runs.getById(id)!.uuid)!.id).toBe(id);
      expect(store.runs.logs(id).map((line) => line.message)).toEqual(['working']);
      expect(store.runs.steps(id)).toEqual([]);
      expect(store.approvals.get(approvals[i]!.uuid)!.workflow_uuid).toBe(workflows[i]!.uuid);
      expect(store.approvals.getById(approvals[i]!.id)!.run_uuid).toBeNull();
      expect(store.workflows.get(workflows[i]!.uuid)!.id).toBe(workflows[i]!.id);
      expect(store.workflows.versions(workflows[i]!.id)).toHaveLength(1);
      expect(store.runs.scheduledInFlightOf(workflows[i]!.id)).toBeUndefined();
    }
    // A run's end: with its full account, or, when that is lost, a failure entry after its journal.
    for (const [i, id] of runIds.entries()) {
      const end = { status: 'failed' as const, result: null, error: 'x', finished_at: now(), duration_ms: 1, logs: [{ seq: 0, ts: now(), level: 'error' as const, message: 'lost', fields: null, step: null, http: null }] };
      expect(store.runs.finish(id, end, i === 0 ? 'replace' : 'append')).toBe(true);
      expect(store.runs.logs(id).map((line) => line.message)).toEqual(i === 0 ? ['lost'] : ['working', 'lost']);
    }

    expect(shapes.size).toBeGreaterThan(10);
    expect(reprepared()).toEqual([]);
  });
});

describe('what an agent sends again and again, through the API', () => {
  const t = testServer();
  const body = (value: string) => ({ indicator_type: 'ip', indicator_value: value, reason: 'plans', confidence: 0.9 });

  async function workflow(approvalMode: 'never' | 'always'): Promise<string> {
    const res = await t.request('POST', '/v1/workflows', { body: { name: `plans ${approvalMode}`, code: TRIVIAL_WORKFLOW, state: 'active', approval_mode: approvalMode } });
    expect(res.status).toBe(201);
    return res.body.data.uuid;
  }

  async function succeeded(runUuid: string): Promise<void> {
    await eventually(async () => (await t.request('GET', `/v1/workflow-runs/${runUuid}`, { key: t.keys.agent })).body.data?.status === 'success', `run ${runUuid}`);
  }

  it('executing, polling runs and approvals, and approving compile each statement once', async () => {
    const plain = await workflow('never');
    const gated = await workflow('always');
    const round = async (n: number) => {
      for (let i = 0; i < 3; i++) {
        const value = `203.0.113.${n * 10 + i}`;
        const direct = await t.request('POST', `/v1/workflows/${plain}/execute`, { key: t.keys.agent, body: body(value), headers: { 'idempotency-key': `plans-${n}-${i}` } });
        expect(direct.status).toBe(202);
        await succeeded(direct.body.data.run_uuid);
        const held = await t.request('POST', `/v1/workflows/${gated}/execute`, { key: t.keys.agent, body: body(value) });
        const approval = held.body.data.approval_request_uuid;
        expect((await t.request('GET', `/v1/workflow-approvals/${approval}`, { key: t.keys.agent })).body.data.status).toBe('pending');
        const approved = await t.request('POST', `/v1/workflow-approvals/${approval}/approve`, { key: t.keys.human });
        expect(approved.status).toBe(200);
        await succeeded(approved.body.data.run.uuid);
      }
    };
    await round(0);
    shapes.clear();
    const before = executions;
    await round(1);
    expect(executions - before).toBeGreaterThan(50);
    expect(reprepared()).toEqual([]);
  });
});
