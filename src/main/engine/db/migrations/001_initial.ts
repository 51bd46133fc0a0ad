// Migration 1: the tables of DESIGN.md §3. JSON columns hold arrays/objects as text; every list
// query the API offers has an index that serves its filter and its order.
export default /* sql */ `
CREATE TABLE api_keys (
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  key_type      TEXT NOT NULL CHECK (key_type IN ('human', 'agent')),
  scopes        TEXT NOT NULL,
  prefix        TEXT NOT NULL,
  key_hash      TEXT NOT NULL UNIQUE,
  created_at    TEXT NOT NULL,
  expires_at    TEXT,
  last_used_at  TEXT,
  revoked_at    TEXT
);
CREATE INDEX api_keys_created ON api_keys (created_at);

CREATE TABLE workflows (
  id                        INTEGER PRIMARY KEY,
  uuid                      TEXT NOT NULL UNIQUE,
  name                      TEXT NOT NULL,
  workflow_type             TEXT CHECK (workflow_type IN ('indicator', 'alert')),
  indicator_types           TEXT NOT NULL DEFAULT '[]',
  kind                      TEXT NOT NULL DEFAULT 'script' CHECK (kind IN ('script', 'http_endpoint')),
  code                      TEXT NOT NULL,
  code_version              INTEGER NOT NULL DEFAULT 1,
  state                     TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'active', 'inactive')),
  approval_mode             TEXT NOT NULL DEFAULT 'always' CHECK (approval_mode IN ('always', 'agent_only', 'never')),
  approval_timeout_seconds  INTEGER NOT NULL DEFAULT 3600,
  risk_level                TEXT NOT NULL DEFAULT 'medium' CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
  timeout_seconds           INTEGER NOT NULL DEFAULT 60,
  secrets                   TEXT NOT NULL DEFAULT '[]',
  allowed_hosts             TEXT NOT NULL DEFAULT '[]',
  documentation             TEXT NOT NULL DEFAULT '',
  tags                      TEXT NOT NULL DEFAULT '[]',
  is_system                 INTEGER NOT NULL DEFAULT 0,
  endpoint                  TEXT,
  created_at                TEXT NOT NULL,
  updated_at                TEXT NOT NULL,
  deleted_at                TEXT
);
CREATE INDEX workflows_live_updated ON workflows (deleted_at, updated_at);
CREATE INDEX workflows_live_name ON workflows (deleted_at, name);
CREATE INDEX workflows_state ON workflows (state);
CREATE INDEX workflows_risk ON workflows (risk_level);
CREATE INDEX workflows_type ON workflows (workflow_type);

CREATE TABLE workflow_tags (
  workflow_id INTEGER NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  tag         TEXT NOT NULL,
  PRIMARY KEY (tag, workflow_id)
) WITHOUT ROWID;

CREATE TABLE workflow_versions (
  workflow_id  INTEGER NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  version      INTEGER NOT NULL,
  code         TEXT NOT NULL,
  saved_at     TEXT NOT NULL,
  author_key   TEXT,
  PRIMARY KEY (workflow_id, version)
) WITHOUT ROWID;

CREATE TABLE approvals (
  id                 INTEGER PRIMARY KEY,
  uuid               TEXT NOT NULL UNIQUE,
  workflow_id        INTEGER NOT NULL REFERENCES workflows (id),
  workflow_version   INTEGER NOT NULL,
  trigger_type       TEXT NOT NULL CHECK (trigger_type IN ('human', 'agent')),
  trigger_key_id     INTEGER REFERENCES api_keys (id),
  reason             TEXT,
  confidence         REAL,
  input              TEXT NOT NULL,
  status             TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
  responder          TEXT,
  decision_reason    TEXT,
  decided_at         TEXT,
  created_at         TEXT NOT NULL,
  expires_at         TEXT NOT NULL,
  decide_token_hash  TEXT,
  notifier_info      TEXT NOT NULL DEFAULT '[]',
  run_id             INTEGER REFERENCES runs (id)
);
CREATE INDEX approvals_status_expiry ON approvals (status, expires_at);
CREATE INDEX approvals_workflow ON approvals (workflow_id, id);

CREATE TABLE runs (
  id                INTEGER PRIMARY KEY,
  uuid              TEXT NOT NULL UNIQUE,
  workflow_id       INTEGER NOT NULL REFERENCES workflows (id),
  workflow_version  INTEGER NOT NULL,
  trigger_type      TEXT NOT NULL CHECK (trigger_type IN ('human', 'agent')),
  trigger_key_id    INTEGER REFERENCES api_keys (id),
  reason            TEXT,
  confidence        REAL,
  input             TEXT NOT NULL,
  status            TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'success', 'failed', 'timed_out', 'cancelled')),
  result            TEXT,
  error             TEXT,
  queued_at         TEXT NOT NULL,
  started_at        TEXT,
  finished_at       TEXT,
  duration_ms       INTEGER,
  approval_id       INTEGER REFERENCES approvals (id)
);
CREATE INDEX runs_status ON runs (status, id);
CREATE INDEX runs_workflow ON runs (workflow_id, id);
CREATE INDEX runs_trigger ON runs (trigger_type, id);
CREATE INDEX runs_queued_at ON runs (queued_at);

CREATE TABLE run_logs (
  run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq      INTEGER NOT NULL,
  ts       TEXT NOT NULL,
  level    TEXT NOT NULL,
  message  TEXT NOT NULL,
  fields   TEXT,
  step     TEXT,
  http     TEXT,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE idempotency (
  key_id       INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  idem_key     TEXT NOT NULL,
  body_hash    TEXT NOT NULL,
  status_code  INTEGER NOT NULL,
  response     TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  PRIMARY KEY (key_id, idem_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE secrets (
  name        TEXT PRIMARY KEY,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) WITHOUT ROWID;
`;
