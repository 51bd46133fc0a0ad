// Text helpers for notification content. Every value in a notification may come from an agent
// (indicator, reason, workflow name typed by someone else), so each target gets its own escaping.

export function formatConfidence(confidence: number | null): string {
  return confidence === null ? 'not given' : `${Math.round(confidence * 100)}%`;
}

/** Control characters (newlines included) become spaces: one value, one line, no forged log lines. */
export function oneLine(value: unknown): string {
  return String(value ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

export function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, Math.max(0, max - 1))}…` : value;
}

/**
 * Slack mrkdwn: `&`, `<` and `>` are the characters Slack asks to escape; with them escaped a value
 * cannot form a link, a mention or `<!channel>`. Used with `verbatim: true`, which also stops Slack
 * from turning bare URLs and #channel names into links.
 */
export function slackEscape(value: unknown): string {
  return oneLine(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A value as inline code in mrkdwn, so `*bold*`-like text in an indicator shows literally. */
export function slackCode(value: unknown): string {
  const text = slackEscape(value);
  // A backtick would end the code span early; such values are shown escaped but unformatted.
  return text.includes('`') || text === '' ? text : `\`${text}\``;
}

/** A date Slack renders in each reader's own time zone, with the UTC text as fallback. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso}>`;
}

/**
 * Adaptive Card text is a small Markdown subset (bold, italic, lists, links). Backslash-escaping
 * the characters that open a link or emphasis keeps an agent-supplied value from turning into a
 * `[harmless text](https://elsewhere)` link; other characters are left alone so values read as sent.
 */
export function teamsEscape(value: unknown): string {
  return oneLine(value).replace(/[\\[\]*`]/g, (c) => `\\${c}`);
}

/**
 * Why a run failed: the error Vigil recorded (a throw, a timeout, a limit), else the message the
 * workflow gave `ctx.fail()`.
 */
export function failureReason(run: { error: string | null; result: { message?: unknown } | null }): string | null {
  if (run.error) return run.error;
  return typeof run.result?.message === 'string' && run.result.message !== '' ? run.result.message : null;
}
