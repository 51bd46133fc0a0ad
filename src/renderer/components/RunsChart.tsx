// Runs per day by outcome, as small stacked bars (SVG; one <title> per bar for hover and screen readers).
import type { DayCounts } from '../stores/runs.ts';

const HEIGHT = 40;
const BAR = 12;
const GAP = 5;
const SERIES = [
  { key: 'success', label: 'success' },
  { key: 'failed', label: 'failed or timed out' },
  { key: 'cancelled', label: 'cancelled' },
] as const;

export function RunsChart({ days, error }: { days: DayCounts[]; error: string | null }) {
  if (error) return <p className="error-text">The chart could not load: {error}</p>;
  if (days.length === 0) return <div className="chart placeholder" aria-hidden="true" />;
  const totals = days.map((d) => d.success + d.failed + d.cancelled);
  const max = Math.max(1, ...totals);
  const sum = totals.reduce((a, b) => a + b, 0);
  const width = days.length * (BAR + GAP);
  return (
    <figure className="chart">
      <svg
        width={width}
        height={HEIGHT + 14}
        viewBox={`0 0 ${width} ${HEIGHT + 14}`}
        role="img"
        aria-label={`Runs per day, last ${days.length} days: ${sum} finished`}
      >
        <line x1={0} x2={width - GAP} y1={HEIGHT + 0.5} y2={HEIGHT + 0.5} className="chart-axis" />
        {sum === 0 && (
          <text x={(width - GAP) / 2} y={HEIGHT / 2} textAnchor="middle" className="chart-label">
            no finished runs in {days.length} days
          </text>
        )}
        {days.map((day, i) => {
          let y = HEIGHT;
          const x = i * (BAR + GAP);
          return (
            <g key={day.start}>
              <title>
                {`${day.label}: ${SERIES.map((s) => `${day[s.key]} ${s.label}`).join(', ')}`}
              </title>
              <rect x={x} y={0} width={BAR} height={HEIGHT} className="chart-hit" />
              {SERIES.map((s) => {
                const h = Math.round((day[s.key] / max) * HEIGHT);
                if (h === 0) return null;
                y -= h;
                return <rect key={s.key} x={x} y={y} width={BAR} height={h} className={`bar-${s.key}`} rx={1} />;
              })}
              {(i === 0 || i === days.length - 1 || i === Math.floor(days.length / 2)) && (
                <text
                  x={i === 0 ? x : i === days.length - 1 ? x + BAR : x + BAR / 2}
                  y={HEIGHT + 12}
                  textAnchor={i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle'}
                  className="chart-label"
                >
                  {i === days.length - 1 ? 'today' : day.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        <span>Runs per day</span>
        {SERIES.map((s) => (
          <span key={s.key}>
            <i className={`swatch bar-${s.key}`} aria-hidden="true" /> {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
