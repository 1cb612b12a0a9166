/**
 * Which sync server addresses may carry a bearer token. https:// always; http:// only to this
 * computer (loopback), unless the admin allows cleartext explicitly, and then every place that
 * shows the connection (sync status, the status bar) says so.
 */

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves this computer. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** True when a token sent to `server` would cross the network in cleartext (http:// to another computer). */
export function isCleartextRemote(server: string): boolean {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
}

/** Why `server` is refused, naming the way to allow it; null when it is fine. */
export function cleartextProblem(server: string, allowInsecureHttp: boolean, allowHow: string): string | null {
  if (allowInsecureHttp || !isCleartextRemote(server)) return null;
  return `refusing to send the sign-in or token to ${server} over unencrypted http:// (anyone on the network could read it): use the server's https:// address, or ${allowHow} to allow cleartext`;
}
