// How a browser reached this site, as far as the server can tell: what the
// pages may promise about it, and the origin for links they show.
import type { IncomingMessage } from 'node:http';

/**
 * Whether the request came over TLS: on a TLS socket, or to the published
 * address (PSIRT_PUBLISHER_NAMESPACE) when that is https — behind a proxy
 * that ends TLS, the request itself looks like plain HTTP.
 */
export function overTls(req: IncomingMessage, namespace: string): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  const published = publishedUrl(namespace);
  return published?.protocol === 'https:' && published.host === req.headers.host;
}

/** This site's origin as the browser reached it: the published one when the browser used its host. */
export function siteOrigin(req: IncomingMessage, namespace: string): string {
  const published = publishedUrl(namespace);
  if (published && published.host === req.headers.host) return published.origin;
  const tls = (req.socket as { encrypted?: boolean }).encrypted;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
}

function publishedUrl(namespace: string): URL | null {
  try {
    return new URL(namespace);
  } catch {
    return null;
  }
}
