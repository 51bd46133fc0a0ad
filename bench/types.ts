/** One measured figure, printed beside its DESIGN.md §9 budget. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The budget as written in DESIGN.md §9, e.g. "≤ 1.5 ms"; none where §9 has none for the figure. */
  budget?: string;
  ok?: boolean;
}
