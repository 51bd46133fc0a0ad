// Migration 2: built-in workflows carry a stable key, so that an upgrade can find the one it seeded
// before (and update its code) whatever the analyst did to its state, gate or tags.
export default /* sql */ `
ALTER TABLE workflows ADD COLUMN builtin_key TEXT;
CREATE UNIQUE INDEX workflows_builtin_key ON workflows (builtin_key) WHERE builtin_key IS NOT NULL;
`;
