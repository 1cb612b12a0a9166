/**
 * A name as a file name that every system accepts: the characters Windows refuses (and control
 * characters) become `_`, and trailing dots and spaces, which Windows drops, are removed. May be
 * empty: the caller names a fallback.
 */
export function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are refused in file names on Windows
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').replace(/[. ]+$/, '').trim();
}
