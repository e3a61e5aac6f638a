// A Server-Sent Events reader over a fetch() body, following the WHATWG event-stream rules: lines
// end in CR, LF or CRLF (a CR at a chunk's end may be half of a CRLF), ':' starts a comment (the
// server's keep-alives), "data" lines join with LF, and a blank line dispatches the event.

/** Yields {event, data, id} for every event of the response body until the stream ends. */
export async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = '';
  let data = [];
  let id = null;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      buffer += value;
      for (;;) {
        const end = lineEnd(buffer);
        if (end === null) {
          break;
        }
        const line = buffer.slice(0, end.at);
        buffer = buffer.slice(end.at + end.length);
        if (line === '') {
          if (data.length > 0) {
            yield { event: event || 'message', data: data.join('\n'), id };
          }
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) {
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? '' : line.slice(colon + 1);
        if (text.startsWith(' ')) {
          text = text.slice(1);
        }
        if (field === 'event') {
          event = text;
        } else if (field === 'data') {
          data.push(text);
        } else if (field === 'id' && !text.includes('\0')) {
          id = text;
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** Where the first complete line of buffer ends, or null if it has none yet. */
function lineEnd(buffer) {
  for (let i = 0; i < buffer.length; i++) {
    const c = buffer[i];
    if (c === '\n') {
      return { at: i, length: 1 };
    }
    if (c === '\r') {
      if (i + 1 === buffer.length) {
        return null; // wait: the LF of a CRLF may come in the next chunk
      }
      return { at: i, length: buffer[i + 1] === '\n' ? 2 : 1 };
    }
  }
  return null;
}
