// Saved versions, newest first: compare any two side by side, restore one into the editor.
import { useEffect } from 'react';
import { ActionsHeader, ErrorText, useNow } from '../../components/ui.tsx';
import { bytes, relativeTime, shortDate } from '../../lib/format.ts';
import { useEditor } from '../../stores/editor.ts';

export function HistoryPanel({
  onCompare,
  onRestore,
}: {
  onCompare: (left: number, right: number) => void;
  onRestore: (version: number) => void;
}) {
  const versions = useEditor((s) => s.versions);
  const error = useEditor((s) => s.versionsError);
  const uuid = useEditor((s) => s.uuid);
  const now = useNow();

  useEffect(() => {
    if (uuid && versions === null) void useEditor.getState().loadVersions();
  }, [uuid, versions]);

  if (!uuid) return <p className="muted pad-s">Versions start with the first save.</p>;
  if (error) return <ErrorText>{error}</ErrorText>;
  if (!versions) return <p className="muted pad-s" role="status">Loading versions…</p>;
  const current = versions.find((v) => v.current)?.version ?? versions[0]?.version ?? 1;

  return (
    <div className="history-panel">
      <p className="hint">Every save of the code is a version. Runs and approvals keep the version they were made for.</p>
      <table className="grid" aria-label="Versions">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Saved</th>
            <ActionsHeader />
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version}>
              <td className="mono" title={bytes(v.code_bytes)}>
                v{v.version}
                {v.current && <span className="tag">current</span>}
              </td>
              <td className="muted" title={`${shortDate(v.saved_at)}${v.author_key ? ` by ${v.author_key}` : ''}`}>
                {relativeTime(v.saved_at, now)}
                {v.author_key && <span className="small"> · {v.author_key.replace(/ \(vgl_[^)]*\)$/, '')}</span>}
              </td>
              <td className="actions">
                {!v.current && (
                  <>
                    <button type="button" onClick={() => onCompare(v.version, current)} aria-label={`Compare version ${v.version} with the current one`}>
                      Compare
                    </button>
                    <button type="button" onClick={() => onRestore(v.version)} aria-label={`Restore version ${v.version}`}>
                      Restore
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
