// Where Vigil keeps its database, and what is (and is not) in it.
import type { Settings } from '../../api/types.ts';

export function DataFolderCard({ settings }: { settings: Settings }) {
  return (
    <div className="card">
      <h2>Data folder</h2>
      <p className="mono selectable">{settings.data_dir}</p>
      <p className="hint">
        Holds <code>vigil.db</code>: workflows, versions, runs, approvals, key hashes and secret names. Secret values, tokens
        and API keys are in the OS keychain, not here.
      </p>
      {window.vigil && (
        <button type="button" onClick={() => void window.vigil?.showItemInFolder(`${settings.data_dir}/vigil.db`)}>
          Show in folder
        </button>
      )}
    </div>
  );
}
