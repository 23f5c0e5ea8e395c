// The exact bytes of MIME parts, which mailparser does not give: it returns
// decoded content only, and an RFC 3156 signature covers the signed part byte
// for byte (after CRLF canonicalisation). So the split of a multipart body at
// its boundaries (RFC 2046 §5.1.1) is done here; strings are latin1, one char
// per byte, so nothing is re-encoded on the way.

/** The header block and body of an entity (split at the first empty line). */
export function splitEntity(raw: string): { header: string; body: string } {
  const m = /\r?\n\r?\n/.exec(raw);
  if (!m) return { header: raw, body: '' };
  return { header: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) };
}

/**
 * The parts of a multipart body, each with its headers, exactly as sent; null
 * when the closing delimiter is missing (a truncated or malformed message).
 */
export function multipartParts(body: string, boundary: string): string[] | null {
  // A delimiter line: "--boundary" at the start of a line, maybe with trailing
  // blanks; the line break before it belongs to the delimiter.
  const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const delimiter = new RegExp(`(?:^|\\r?\\n)--${escaped}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g');
  const parts: string[] = [];
  let start = -1;
  for (let m = delimiter.exec(body); m; m = delimiter.exec(body)) {
    if (start >= 0) parts.push(body.slice(start, m.index));
    if (m[1]) return parts;
    // The part starts after the delimiter line's own line break.
    const eol = /\r?\n/.exec(body.slice(delimiter.lastIndex));
    if (!eol) return null;
    start = delimiter.lastIndex + eol.index + eol[0].length;
  }
  return null;
}

/** Line breaks as CRLF, the canonical form signatures are computed over. */
export const canonicalLines = (s: string) => s.replace(/\r?\n/g, '\r\n');
