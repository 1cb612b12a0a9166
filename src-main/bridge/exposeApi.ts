/**
 * Builds window.api from a list of channel names over a transport. Self-contained on purpose (no
 * imports, no outer references): the preload calls it, and the end-to-end harness sends its
 * source text into the page, so the browser gets exactly the object the preload exposes.
 */
export function apiFromChannels(channels: readonly string[], invoke: (channel: string, request: unknown) => Promise<unknown>): Record<string, (request: unknown) => Promise<unknown>> {
  const api: Record<string, (request: unknown) => Promise<unknown>> = {};
  for (const c of channels) api[c] = (request: unknown) => invoke(c, request);
  return Object.freeze(api);
}
