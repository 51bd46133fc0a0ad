/** One measured figure, printed beside its DESIGN.md §9 budget. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The budget as written in DESIGN.md §9, e.g. "≤ 5 ms". */
  budget?: string;
  ok?: boolean;
}
