/**
 * Paths as the project writes them: '/'-separated, the same on every host
 * (Node on Linux and macOS, a web page's dropped files). Only what the data
 * layer and the reports need; no host's current directory is involved.
 */

export function isAbsolute(path: string): boolean {
  return path.startsWith('/');
}

/** Joins parts with '/', dropping empty parts and '.' segments, resolving '..' where a segment precedes it. */
export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  return normalize(joined);
}

export function normalize(path: string): string {
  if (path === '') return '.';
  const absolute = isAbsolute(path);
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..' && out.length > 0 && out.at(-1) !== '..') out.pop();
    else if (segment === '..' && absolute) continue;
    else out.push(segment);
  }
  const body = out.join('/');
  return absolute ? `/${body}` : body === '' ? '.' : body;
}

/** The folder part: 'a/b/c.sac' -> 'a/b', 'c.sac' -> '.', '/c.sac' -> '/'. */
export function dirname(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return trimmed.slice(0, i);
}

/** The last segment: 'a/b/c.sac' -> 'c.sac'. */
export function basename(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** The extension with its dot, '' when none: 'c.SAC' -> '.SAC', '.hidden' -> ''. */
export function extname(path: string): string {
  const name = basename(path);
  const i = name.lastIndexOf('.');
  return i <= 0 ? '' : name.slice(i);
}
