/**
 * Bytes as text the way the file formats and messages need it, on any host
 * (what Node's Buffer did: Latin-1, hex, base64). Latin-1 is decoded here,
 * not with TextDecoder, whose 'latin1' is windows-1252 (0x80-0x9f differ).
 */

/** Bytes per String.fromCharCode call: spreading a whole large header would overflow the stack. */
const PIECE = 8192;

/** Each byte as the character of that code (ISO-8859-1), for fixed-width header fields and magic numbers. */
export function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let at = 0; at < bytes.length; at += PIECE) text += String.fromCharCode(...bytes.subarray(at, at + PIECE));
  return text;
}

/** Lower-case hex, two digits a byte. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Standard base64 with '=' padding (RFC 4648), as a data URI carries it: the runtime's btoa over the bytes as Latin-1. */
export function base64(bytes: Uint8Array): string {
  return btoa(latin1(bytes));
}
