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

export function createHttpServer(o: {
  log: Logger;
  draining: () => boolean;
  ready: Readiness;
  /** The Slack bot, once chat-ops has started (none while off). */
  bot: () => Bot | undefined;
  site: ReturnType<typeof createSite>;
  yoga: ApiYoga;
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
