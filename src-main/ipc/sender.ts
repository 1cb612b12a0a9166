import { pathToFileURL } from 'node:url';

/**
 * Where our renderer is allowed to be loaded from: the built files under out/renderer, or the dev
 * server in development. IPC from any other frame (a navigated or injected one) is refused.
 */
export interface RendererOrigin {
  /** Absolute path of out/renderer. */
  readonly rendererDir: string;
  /** ELECTRON_RENDERER_URL in development, else undefined. */
  readonly devServerUrl?: string;
}

export function isOwnRenderer(frameUrl: string | undefined, origin: RendererOrigin): boolean {
  if (!frameUrl) return false;
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  if (url.protocol === 'file:') {
    const dir = pathToFileURL(origin.rendererDir.endsWith('/') ? origin.rendererDir : `${origin.rendererDir}/`).pathname;
    // URL has already resolved any ../ segments, so a prefix test on the pathname is sound.
    return url.host === '' && url.pathname.startsWith(dir);
  }
  if (origin.devServerUrl) {
    try {
      return url.origin === new URL(origin.devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}
