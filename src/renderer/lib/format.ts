// Formatting for dense tables: short, stable, readable at a glance. Pure functions (unit-tested).

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "4 s", "2 min", "3 h", "5 d" — the age of something, or how long until it happens. */
export function shortSpan(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return `${Math.max(0, Math.round(abs / 1000))} s`;
  if (abs < HOUR) return `${Math.round(abs / MINUTE)} min`;
  if (abs < DAY) return `${Math.round(abs / HOUR)} h`;
  return `${Math.round(abs / DAY)} d`;
}

/** "just now", "3 min ago", "in 12 min", else a date for anything older than a week. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '—';
  const delta = at - now;
  if (Math.abs(delta) < 10_000) return 'just now';
  if (Math.abs(delta) >= 7 * DAY) return shortDate(iso);
  return delta < 0 ? `${shortSpan(delta)} ago` : `in ${shortSpan(delta)}`;
}

/** relativeTime for narrow columns: beyond a week, the day alone ("2026-11-22"). */
export function relativeDay(iso: string | null | undefined, now: number): string {
  const at = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(at)) return '—';
  return Math.abs(at - now) >= 7 * DAY ? shortDate(iso).slice(0, 10) : relativeTime(iso, now);
}

/** A countdown for an expiry: "expires in 12 min", "expires in 45 s", "expired". */
export function expiresIn(iso: string, now: number): string {
  const left = Date.parse(iso) - now;
  if (!(left > 0)) return 'expired';
  if (left < MINUTE) return `expires in ${Math.ceil(left / 1000)} s`;
  if (left < HOUR) return `expires in ${Math.ceil(left / MINUTE)} min`;
  const hours = Math.floor(left / HOUR);
  const minutes = Math.floor((left % HOUR) / MINUTE);
  return minutes > 0 && hours < 10 ? `expires in ${hours} h ${minutes} min` : `expires in ${Math.round(left / HOUR)} h`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local "2026-11-22 14:05" (sortable, unambiguous across locales). */
export function shortDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Local time with seconds and milliseconds, for log timelines: "14:05:09.123". */
export function clockTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** "850 ms", "1.2 s", "2 min 5 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < MINUTE) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, '')} s`;
  const minutes = Math.floor(ms / MINUTE);
  const seconds = Math.round((ms % MINUTE) / 1000);
  return seconds > 0 ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/** "512 B", "1.5 KB", "2.3 MB". */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KB`;
  return `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
}

/** An agent's confidence (0..1) as a percent: "92 %". */
export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${Math.round(value * 100)} %`;
}

/** "1 run", "3 runs". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** Pretty JSON for display; values that are not JSON (undefined) show as an em dash. */
export function prettyJson(value: unknown): string {
  if (value === undefined) return '—';
  try {
    return JSON.stringify(value, null, 2) ?? '—';
  } catch {
    return String(value);
  }
}

const STATUS_LABELS: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  success: 'Success',
  failed: 'Failed',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
  pending: 'Pending',
  approved: 'Approved',
  rejected: 'Rejected',
  expired: 'Expired',
  draft: 'Draft',
  active: 'Active',
  inactive: 'Inactive',
  always: 'Always',
  agent_only: 'Agents only',
  never: 'Never',
  human: 'Human',
  agent: 'Agent',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
  pending_approval: 'Pending approval',
};

/** The human label of an enum value ("timed_out" → "Timed out"). */
export function label(value: string | null | undefined): string {
  if (!value) return '—';
  return STATUS_LABELS[value] ?? value.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** Indicator type names as analysts say them. */
export function indicatorLabel(type: string): string {
  const names: Record<string, string> = {
    ip: 'IP',
    domain: 'Domain',
    hash_md5: 'MD5',
    hash_sha1: 'SHA-1',
    hash_sha256: 'SHA-256',
    url: 'URL',
    email: 'Email',
    account: 'Account',
  };
  return names[type] ?? type;
}

/** Local midnight of the day `at` falls on, as a timestamp. */
export function startOfDay(at: number): number {
  const d = new Date(at);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** The `n` local days ending today (oldest first), each as [start, end) timestamps. */
export function lastDays(n: number, now: number): Array<{ start: number; end: number; label: string }> {
  const days = [];
  const today = startOfDay(now);
  for (let i = n - 1; i >= 0; i--) {
    // Built from calendar fields, not "minus 24 h", so days across a DST change stay whole days.
    const startDate = new Date(today);
    startDate.setDate(startDate.getDate() - i);
    const endDate = new Date(startDate);
    endDate.setDate(endDate.getDate() + 1);
    days.push({
      start: startDate.getTime(),
      end: endDate.getTime(),
      label: `${pad(startDate.getMonth() + 1)}-${pad(startDate.getDate())}`,
    });
  }
  return days;
}
