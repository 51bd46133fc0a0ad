// Migration 7: a workflow's test mocks, kept by the engine rather than in one browser's storage, so
// the console, `vigil export` and `vigil import` see the same mocks. They are not part of a version
// (runs never read them); one row per workflow, gone with it.
export default /* sql */ `
CREATE TABLE workflow_mocks (
  workflow_id INTEGER PRIMARY KEY REFERENCES workflows (id) ON DELETE CASCADE,
  mocks       TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  author_key  TEXT
);
`;
