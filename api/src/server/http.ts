// The HTTP server's routes, in order: health and readiness, Slack's posts to
// the bot, the public website, then the GraphQL API. Every request is logged
// when it finishes (health probes at debug); while shutting down, everything
// is answered 503 and keep-alive connections are let go.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Bot, SLACK_EVENTS_PATH } from '@psirt/bot';
import type { Logger } from '../logger.ts';
import type { createSite } from '../site/index.ts';
import type { Readiness } from './readiness.ts';
import type { ApiYoga } from './yoga.ts';

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/** What a GraphQL client is told when its request body is over the limit (the body is not read). */
function tooLarge(res: ServerResponse, limit: number) {
  res.writeHead(413, {
    'content-type': 'application/json; charset=utf-8',
    connection: 'close',
    'cache-control': 'no-store',
  });
  res.end(
    JSON.stringify({
      errors: [
        {
          message: `The request body is over ${limit} bytes (PSIRT_MAX_BODY_BYTES): a GraphQL operation needs far less.`,
          extensions: { code: 'OPERATION_LIMIT' },
        },
      ],
    }),
  );
}

/**
 * The body of a request for GraphQL, read whole up to `limit` bytes — refused
 * at once by its Content-Length, or as soon as a body without one goes past
 * the limit. Yoga then takes it as the request's body (whatwg-node reads a
 * pre-read `req.body`), so nothing bigger is ever buffered or parsed.
 */
async function boundedBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function createHttpServer(o: {
  log: Logger;
  draining: () => boolean;
  ready: Readiness;
  /** The Slack bot, once chat-ops has started (none while off). */
  bot: () => Bot | undefined;
  site: ReturnType<typeof createSite>;
  yoga: ApiYoga;
  /** Largest GraphQL request body, in bytes. */
  bodyBytes: number;
}): Server {
  const { log } = o;
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0];
    res.on('finish', () => {
      // A keep-alive connection whose last request finished during shutdown
      // would otherwise hold the server open until its keep-alive timeout.
      if (o.draining()) setImmediate(() => server.closeIdleConnections());
      const entry = { method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) };
      if (path === '/healthz' || path === '/readyz') log.debug(entry, 'request');
      else log.info(entry, 'request');
    });
    if (o.draining()) {
      res.setHeader('connection', 'close');
      return json(res, 503, { status: 'shutting down' });
    }
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const r = await o.ready();
      return json(res, r.ok ? 200 : 503, r.ok ? { status: 'ready' } : { status: 'not ready', reason: r.reason });
    }
    const bot = o.bot();
    if (path === SLACK_EVENTS_PATH && bot) return bot.requestListener(req, res);
    if (await o.site.handle(req, res, path ?? '/')) return;
    if (req.method === 'POST') {
      const body = await boundedBody(req, o.bodyBytes);
      if (body === null) {
        tooLarge(res, o.bodyBytes);
        // What is left of the body is not read: the connection goes once the answer is out.
        res.on('finish', () => req.destroy());
        return;
      }
      (req as IncomingMessage & { body?: Buffer }).body = body;
    }
    return o.yoga(req, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      log.error({ err: error }, 'request failed');
      if (!res.headersSent) json(res, 500, { error: 'Unexpected error.' });
      else res.end();
    });
  });
  return server;
}
