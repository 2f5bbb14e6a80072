/**
 * Text from data (file names, station and event names, manifest cells,
 * labels, values in error messages) reaches a terminal only through here:
 * control characters are shown as escapes (`\x1b`, `\u202e`) so a name can
 * neither move the cursor, recolour the screen, reorder the line (bidi
 * overrides) nor forge a line of output.
 */

/**
 * C0 controls, DEL, C1 controls, the Unicode line and paragraph separators and
 * the bidi marks, embeddings, overrides and isolates.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One value from data, made safe to print: every control character escaped, newlines included. */
export function printable(value: string): string {
  return value.replace(CONTROL, escapeOne);
}

/** Text of several lines (a table, a report of results): each line made printable, the line breaks kept. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}
