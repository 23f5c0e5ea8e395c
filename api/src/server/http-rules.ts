// What the HTTP surface of /graphql accepts from browsers: CORS by an
// allow-list, no request a browser could send cross-site without a preflight,
// and GraphiQL (where people paste tokens) under a strict Content-Security-Policy.
import { createHash } from 'node:crypto';
import type { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { type CORSOptions, createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * CORS by allow-list (PSIRT_CORS_ORIGINS): an origin on the list may call the
 * API from a browser, with the headers the API needs; any other origin gets no
 * CORS headers at all. Never credentials: the API authenticates by bearer
 * token, not by cookie.
 */
export function corsPolicy(origins: readonly string[]) {
  const allowed = new Set(origins.map((o) => o.replace(/\/+$/, '').toLowerCase()));
  return (request: Request): CORSOptions => {
    const origin = request.headers.get('origin');
    if (!origin || !allowed.has(origin.toLowerCase())) return false;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST'],
      allowedHeaders: ['content-type', 'authorization', 'accept', 'x-request-id'],
      maxAge: 600,
    };
  };
}

// The content types a browser sends cross-site without a CORS preflight.
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * GraphQL over POST as JSON only (application/json, application/graphql-response+json,
 * application/graphql): a form or a `text/plain` fetch from any web page
 * would otherwise run anonymous mutations (report submissions) from a
 * visitor's browser. Yoga's CSRF plugin would also refuse every plain GET
 * query without a custom header; GET never mutates here (405), so refusing
 * the simple content types is the whole of the rule.
 */
export function useJsonOnlyPosts(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.method !== 'POST') return;
      const type = (request.headers.get('content-type') ?? '').toLowerCase();
      if (!type || SIMPLE_CONTENT_TYPES.some((t) => type.startsWith(t))) {
        throw createGraphQLError(
          'Send GraphQL over POST as JSON (content-type: application/json); forms and text/plain are refused.',
          { extensions: { code: 'VALIDATION', http: { status: 415 } } },
        );
      }
    },
  };
}

/**
 * GraphiQL's page is one large HTML document with inline scripts. Its CSP
 * allows exactly those scripts (by hash, computed from the page as Yoga
 * renders it, once per set of options), nothing from elsewhere, and no framing.
 */
export function graphiqlSecurity() {
  const rendered = new Map<string, { html: string; csp: string }>();
  let current: string | undefined;
  const render = async (options: Parameters<typeof renderGraphiQL>[0]) => {
    const key = JSON.stringify(options ?? {});
    let page = rendered.get(key);
    if (!page) {
      // Loaded when someone first opens GraphiQL: its bundle is ~30 MB of strings an API need not hold.
      const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
      const html = renderGraphiQL(options);
      const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
        (m) =>
          `'sha256-${createHash('sha256')
            .update(m[1] ?? '')
            .digest('base64')}'`,
      );
      page = { html, csp: cspWith(hashes) };
      rendered.set(key, page);
    }
    current = page.csp;
    return page.html;
  };
  return {
    render,
    plugin: {
      onResponse({ response }) {
        if (!(response.headers.get('content-type') ?? '').startsWith('text/html')) return;
        // Before the page is rendered, nothing inline may run.
        response.headers.set('content-security-policy', current ?? cspWith([]));
        response.headers.set('x-frame-options', 'DENY');
        response.headers.set('referrer-policy', 'no-referrer');
        response.headers.set('x-content-type-options', 'nosniff');
      },
    } satisfies Plugin,
  };
}

function cspWith(scriptHashes: string[]) {
  return [
    "default-src 'none'",
    `script-src ${scriptHashes.join(' ') || "'none'"}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
