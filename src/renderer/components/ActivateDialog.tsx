// "Activate anyway?": shown before activating a workflow that still has type errors, or whose
// runs would fail for want of a secret. Lists what was found; the analyst decides.
import type { ActivationIssues } from '../lib/activation.ts';
import { ConfirmDialog } from './ui.tsx';

const SHOWN_TYPE_PROBLEMS = 5;

export function ActivateDialog({
  name,
  issues,
  onConfirm,
  onCancel,
}: {
  name: string;
  /** null: closed. */
  issues: ActivationIssues | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const types = issues?.typeProblems ?? [];
  const warnings = issues?.warnings ?? [];
  return (
    <ConfirmDialog open={issues !== null} title={`Activate ${name}?`} confirmLabel="Activate anyway" onConfirm={onConfirm} onCancel={onCancel}>
      <p>Once it is active, agents and analysts can execute it.</p>
      {types.length > 0 && (
        <>
          <p>
            It has {types.length === 1 ? 'a type error' : `${types.length} type errors`}: the code runs, but probably not as
            intended.
          </p>
          <ul aria-label="Type errors">
            {types.slice(0, SHOWN_TYPE_PROBLEMS).map((problem, index) => (
              <li key={`${problem.line}:${problem.column}:${index}`}>
                <span className="mono">
                  {problem.line}:{problem.column}
                </span>{' '}
                {problem.message} <span className="mono muted">{problem.rule}</span>
              </li>
            ))}
          </ul>
          {types.length > SHOWN_TYPE_PROBLEMS && <p className="muted">…and {types.length - SHOWN_TYPE_PROBLEMS} more, under Problems in the editor.</p>}
        </>
      )}
      {warnings.length > 0 && (
        <ul aria-label="Warnings">
          {warnings.map((warning) => (
            <li key={warning.message} className="warn-text">
              {warning.message}
            </li>
          ))}
        </ul>
      )}
    </ConfirmDialog>
  );
}
