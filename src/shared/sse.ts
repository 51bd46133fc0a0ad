// An incremental Server-Sent Events parser (WHATWG "event stream interpretation"). The console and
// the desktop shell (following a team server) read /v1/events with fetch instead of EventSource
// because EventSource cannot send the Authorization header, and a key in the URL would end up in
// logs and history.

export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

export class SseParser {
  /** The id of the last event that carried one: sent back as Last-Event-ID on reconnect. */
  lastEventId: string | null = null;
  /** Reconnection delay the server asked for with `retry:`, in ms. */
  retryMs: number | null = null;

  private buffer = '';
  private pendingCR = false;
  private data: string[] = [];
  private event = '';
  private sawData = false;

  /** Feeds a decoded chunk; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    const out: SseMessage[] = [];
    let text = chunk;
    // A CRLF split across chunks: the CR ended the line already, so drop the LF.
    if (this.pendingCR && text.startsWith('\n')) text = text.slice(1);
    this.pendingCR = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      this.line(this.buffer.slice(start, i), out);
      if (c === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') i++;
        } else {
          this.pendingCR = true;
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.sawData) out.push({ id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') });
      this.data = [];
      this.event = '';
      this.sawData = false;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.sawData = true;
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
  }
}
