/**
 * File-system errors a user can cause with the paths they give (a missing
 * file, a folder where a file is expected, a full or read-only disk, a name
 * too long) are bad input, exit code 1, with a message naming the path; any
 * other error is the program's.
 */

const USER_CAUSED: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder where a file is expected',
  ENOTDIR: 'a part of the path is a file where a folder is expected',
  ENAMETOOLONG: 'the name is too long for the file system',
  EEXIST: 'already exists',
  ENOTEMPTY: 'the folder is not empty',
  EBUSY: 'is busy (in use, or a mount point)',
  ENOSPC: 'no space left on the device; the previous output, if any, is kept',
  EDQUOT: 'disk quota exceeded; the previous output, if any, is kept',
  EFBIG: 'the file is too large for the file system; the previous output, if any, is kept',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ELOOP: 'too many levels of symbolic links',
  EXDEV: 'the paths are on different file systems',
  EINVAL: 'not a valid path here',
};

/** Codes that mean the device, not a path, ran out: they need no path to be the user's. */
const WITHOUT_PATH: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EMFILE', 'ENFILE']);

/**
 * "out/model.ckpt: no space left on the device; ..." for a user-caused
 * file-system error, else null. A write through a file handle fails without
 * a path (ENOSPC on `write`): the message then names `output`, the file the
 * command was writing.
 */
export function userFileProblem(err: unknown, output: string): string | null {
  if (!(err instanceof Error)) return null;
  const { code, path } = err as NodeJS.ErrnoException;
  if (code === undefined || !Object.hasOwn(USER_CAUSED, code)) return null;
  if (path === undefined && !WITHOUT_PATH.has(code)) return null;
  return `${path ?? output}: ${USER_CAUSED[code]} (${code})`;
}
