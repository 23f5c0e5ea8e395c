// graphql-ws on the API's own port and path (/graphql): every operation runs
// through Yoga's envelop pipeline (getEnveloped), so the context, the
// authentication, error masking and every plugin apply as they do over HTTP.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Database } from '@psirt/db';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { authenticate } from '../auth.ts';
import type { Context, Transport } from '../context.ts';
import type { Logger } from '../logger.ts';

/** What a WebSocket operation's context starts from (see the context factory in app.ts). */
export interface WsInitialContext {
  ws: { authorization: string | undefined; transport: Transport; request: IncomingMessage };
}

interface Enveloped {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

export interface WebSockets {
  /** Closes every connection (1001, going away) and stops accepting new ones. */
  close(): Promise<void>;
  /** Open connections. */
  count(): number;
}

export function attachWebSockets(opts: {
  server: Server;
  // biome-ignore lint/suspicious/noExplicitAny: the server context differs per transport
  yoga: YogaServerInstance<any, Context>;
  db: Database;
  log: Logger;
  now: () => Date;
  keepAliveMs: number;
  draining: () => boolean;
}): WebSockets {
  const { yoga, log } = opts;
  // Frames from clients are GraphQL operations: a megabyte is generous.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });

  opts.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    const refuse = path !== yoga.graphqlEndpoint ? '404 Not Found' : opts.draining() ? '503 Service Unavailable' : null;
    if (refuse) {
      socket.end(`HTTP/1.1 ${refuse}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const authorizationOf = (params: Readonly<Record<string, unknown>> | undefined, request: IncomingMessage) => {
    const fromParams = params?.authorization ?? params?.Authorization;
    return typeof fromParams === 'string' ? fromParams : request.headers.authorization;
  };

  const server = useServer(
    {
      connectionInitWaitTimeout: 10_000,
      // A connection with a bad token is refused at once (4403), not at its first operation.
      onConnect: async (ctx) => {
        try {
          await authenticate(opts.db, authorizationOf(ctx.connectionParams, ctx.extra.request), opts.now());
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        const socket = ctx.extra.socket;
        const initial: WsInitialContext = {
          ws: {
            authorization: authorizationOf(ctx.connectionParams, ctx.extra.request),
            request: ctx.extra.request,
            transport: {
              kind: 'ws',
              buffered: () => socket.bufferedAmount,
              close: (code, reason) => socket.close(code, reason),
            },
          },
        };
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...initial,
          req: ctx.extra.request,
          params: payload,
        });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as never];
        }
        const errors = validate(schema, document);
        if (errors.length) return errors;
        let contextValue: unknown;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          // The context refuses a token that went bad since the connection opened.
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const args: ExecutionArgs & { rootValue: Enveloped } = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
        return args;
      },
      execute: (args) => (args.rootValue as Enveloped).execute(args) as never,
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args) as never,
      onError: (_ctx, _id, _payload, errors) => {
        log.debug({ errors: errors.map((e) => e.message) }, 'websocket operation error');
      },
    },
    wss,
    opts.keepAliveMs,
  );

  return {
    count: () => wss.clients.size,
    async close() {
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await server.dispose();
    },
  };
}
