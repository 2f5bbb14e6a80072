/**
 * JSON headers of the project's own files (prepared sets, checkpoints) come
 * from disk and may be anything. `jsonDepth` measures how deeply a text
 * nests before it is parsed, in one pass that skips strings, so a header of
 * a million "[" is refused at once: the checks that walk a parsed header
 * recurse, and JSON.parse itself takes seconds on such a text.
 */

/** Deepest nesting a header may have; the project's own headers nest 4 to 6 levels. */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in `text` (0 for a scalar), or -1 past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > limit) return -1;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
