// What the API logs while the database cannot be reached. Every request is refused (503) then, and a
// busy outage would write a line per request: instead the first refusal is logged in full, and
// those after it in the same minute are counted and reported in one line when the minute is over.
const WINDOW_MS = 60_000;

export class OutageLog {
  private readonly log: (line: string) => void;
  private readonly windowMs: number;
  /** Refusals since the one logged in full, while its minute lasts. */
  private counted: number | null = null;

  constructor(log: (line: string) => void, windowMs: number = WINDOW_MS) {
    this.log = log;
    this.windowMs = windowMs;
  }

  refused(method: string, url: string, reason: string): void {
    if (this.counted !== null) {
      this.counted++;
      return;
    }
    this.counted = 0;
    this.log(`API ${method} ${url}: the database cannot be reached: ${reason}`);
    setTimeout(() => this.closeWindow(), this.windowMs).unref();
  }

  private closeWindow(): void {
    const counted = this.counted ?? 0;
    this.counted = null;
    if (counted > 0) {
      this.log(`API: ${counted} more request${counted === 1 ? ' was' : 's were'} refused in the last ${Math.round(this.windowMs / 1000)} s because the database could not be reached`);
    }
  }
}
