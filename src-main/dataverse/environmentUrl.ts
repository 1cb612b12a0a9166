/**
 * What an environment URL must look like, with no dependency: the bridge contract checks the
 * Dataverse screen's settings with it, and the connection refuses the same URLs the same way.
 */

/** Why `text` is not an environment URL, in words that say what to type instead; null when it is one. */
export function environmentUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL; the environment URL looks like https://contoso.crm.dynamics.com`;
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return `the environment URL must start with https:// (got "${text}")`;
  if (url.pathname !== '/' || url.search || url.hash) return `the environment URL is the environment's root, without a path (got "${text}"; try ${url.origin})`;
  return null;
}
