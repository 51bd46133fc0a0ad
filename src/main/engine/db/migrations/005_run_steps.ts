// Migration 5: what each `ctx.step` of a run returned, with its status and timing, stored with the
// run's end as one JSON array (read with the run, never queried by its contents).
export default /* sql */ `
ALTER TABLE runs ADD COLUMN steps TEXT;
`;
