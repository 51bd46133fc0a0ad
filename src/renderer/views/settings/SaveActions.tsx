// The foot of every settings form: its Save button (busy while saving), the form's other actions,
// "Saved." once the server took it, and the error when it did not.
import type { ReactNode } from 'react';
import { ErrorText } from '../../components/ui.tsx';
import type { SectionState } from '../../stores/settings.ts';

export function SaveActions({ state, label, children, status }: { state: SectionState; label: string; children?: ReactNode; status?: ReactNode }) {
  return (
    <>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={state.saving}>
          {state.saving ? 'Saving…' : label}
        </button>
        {children}
        {state.savedAt && !state.saving && !state.error && (
          <span className="ok-text" role="status">
            Saved.
          </span>
        )}
        {status}
      </div>
      <ErrorText>{state.error}</ErrorText>
    </>
  );
}
