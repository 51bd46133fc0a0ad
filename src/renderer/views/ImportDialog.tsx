// Import an export: choose its files (or a .zip of the folder), read the plan the server made from
// a dry run, then apply it. Nothing changes until "Import" is pressed; activation only if ticked.
import { useId, useRef } from 'react';
import type { ImportPlan } from '../api/types.ts';
import { ErrorText, useModal } from '../components/ui.tsx';
import { useImport } from '../stores/import.ts';
import { useWorkflows } from '../stores/workflows.ts';

function PlanTable({ plan }: { plan: ImportPlan }) {
  return (
    <table className="grid" aria-label="Import plan">
      <thead>
        <tr>
          <th scope="col">Workflow</th>
          <th scope="col">Plan</th>
        </tr>
      </thead>
      <tbody>
        {plan.items.map((item) => (
          <tr key={item.file}>
            <td>
              {item.name}
              <div className="muted">{item.file}</div>
            </td>
            <td>
              {item.action === 'create' && 'Create'}
              {item.action === 'update' && `Update${item.new_version ? ' → new version' : ''} (${item.changes.join(', ')})`}
              {item.action === 'unchanged' && 'Unchanged'}
              {item.activate && ', activate'}
              {item.notes.map((note) => (
                <div key={note} className="muted">
                  {note}
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ImportDialog() {
  const { open, files, activate, busy, plan, problems, error } = useImport();
  const ref = useModal(open);
  const titleId = useId();
  const input = useRef<HTMLInputElement>(null);
  const close = () => useImport.getState().close();
  const applied = plan !== null && plan.applied;

  const choose = async (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const chosen = await Promise.all([...list].map(async (file) => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) })));
    await useImport.getState().choose(chosen);
  };

  return (
    <dialog
      ref={ref}
      className="dialog wide"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        close();
      }}
    >
      {open && (
        <div>
          <h2 id={titleId}>Import workflows</h2>
          <div className="dialog-body">
            <p className="hint">
              Choose the files of an export (<code>vigil export</code>): the <code>.ts</code>, <code>.endpoint.json</code>,{' '}
              <code>.vigil.json</code> and <code>.mocks.json</code> files, or a .zip of the folder. Workflows are matched by uuid,
              then by name. You see the plan before anything changes.
            </p>
            <input
              ref={input}
              type="file"
              multiple
              accept=".ts,.json,.zip"
              aria-label="Export files or a .zip"
              onChange={(event) => {
                void choose(event.target.files);
                event.target.value = '';
              }}
            />
            {files && <p className="muted">{Object.keys(files).length} file(s) read.</p>}
            <label className="checks">
              <input type="checkbox" checked={activate} disabled={busy || applied} onChange={(e) => void useImport.getState().setActivate(e.target.checked)} />
              Activate every imported workflow (otherwise activation does not change; new workflows are drafts)
            </label>
            {busy && <p className="muted">Checking the files…</p>}
            <ErrorText>{error}</ErrorText>
            {problems.length > 0 && (
              <ul aria-label="Problems">
                {problems.map((problem, i) => (
                  <li key={i}>
                    <code>
                      {problem.file}
                      {problem.line ? `:${problem.line}` : ''}
                    </code>{' '}
                    {problem.message}
                  </li>
                ))}
              </ul>
            )}
            {plan && (
              <>
                <p>
                  {applied ? 'Imported: ' : 'Plan: '}
                  {plan.summary.create} to create, {plan.summary.update} to update, {plan.summary.unchanged} unchanged
                  {plan.summary.activate > 0 ? `, ${plan.summary.activate} to activate` : ''}.
                </p>
                <PlanTable plan={plan} />
                {plan.ignored.length > 0 && <p className="muted">Ignored: {plan.ignored.join(', ')}</p>}
              </>
            )}
          </div>
          <div className="dialog-actions">
            <button type="button" onClick={close}>
              {applied ? 'Close' : 'Cancel'}
            </button>
            {!applied && (
              <button
                type="button"
                className="primary"
                disabled={busy || !plan}
                onClick={async () => {
                  if (await useImport.getState().apply()) void useWorkflows.getState().load();
                }}
              >
                Import
              </button>
            )}
          </div>
        </div>
      )}
    </dialog>
  );
}
