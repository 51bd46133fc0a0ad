// Everything the linter (live) or the server (on a refused save) found, and the type errors the
// editor underlines (warnings tagged "type"), each a button that puts the cursor on the spot.
import type { LintProblemView } from '../../api/types.ts';

export function ProblemsPanel({
  problems,
  lintError,
  onJump,
}: {
  problems: LintProblemView[];
  lintError: string | null;
  onJump: (problem: LintProblemView) => void;
}) {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  return (
    <section className="problems" aria-labelledby="problems-title">
      <h2 id="problems-title">
        Problems
        <span className="muted small">
          {problems.length === 0 ? ' · none' : ` · ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`}
        </span>
      </h2>
      {lintError && <p className="error-text">{lintError}</p>}
      {problems.length > 0 && (
        <ul aria-label="Problems">
          {problems.map((problem, index) => (
            <li key={`${problem.rule}-${problem.line}-${problem.column}-${index}`} data-severity={problem.severity}>
              <button type="button" onClick={() => onJump(problem)}>
                <span className="sev" aria-hidden="true">
                  {problem.severity === 'error' ? '●' : '▲'}
                </span>
                <span className="sr-only">{problem.severity}:</span>
                <span className="msg">{problem.message}</span>
                {problem.source === 'typescript' && (
                  <span className="tag" title="A type error: the code runs, but probably not as intended">
                    type
                  </span>
                )}
                <span className="rule mono">{problem.rule}</span>
                <span className="pos mono">
                  {problem.line}:{problem.column}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
