// One execution per event for subscribers who would get the same answer.
//
// Per event, each subscription's stream (stream.ts) renews its viewer,
// re-authorizes and yields what to deliver; the executor then runs the
// subscriber's selection on it. With thousands of subscribers that selection
// — the same document, run for the same viewer on the same record — was
// executed thousands of times per event: most of the fan-out's CPU.
//
// This envelop plugin replaces the subscribe function by the spec's two steps
// (the source stream, then an execution per event) and runs the second once
// per event and group: the same document and variables, the same item of the
// same event, and the same viewer — kind, user, roles, as renewed for this
// event; the token is left out, as no rule reads it (access.ts). Whatever is
// authorized differently is a different group, so nobody receives what their
// own execution would not have given them. Audited reads are audited once per
// group and event, under that viewer.
//
// Written by hand because neither graphql-js, @graphql-tools/executor nor
// envelop shares per-event executions between subscribers.
import { execute } from '@graphql-tools/executor';
import { createSourceEventStream, type DocumentNode, type ExecutionArgs, getOperationAST } from 'graphql';
import { createGraphQLError, isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import { shareOf } from './stream.ts';

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
/** Parsed documents are cached by the server, so the same query text is the same object. */
function documentId(document: DocumentNode): number {
  let id = documentIds.get(document);
  if (id === undefined) {
    id = nextDocumentId++;
    documentIds.set(document, id);
  }
  return id;
}

const viewerKeys = new WeakMap<object, string>();
/**
 * What decides what a viewer may read: everything but the token that proved
 * it. (A renewed viewer is one object for every subscriber of its token.)
 */
function viewerKey(ctx: Context): string {
  let key = viewerKeys.get(ctx.viewer);
  if (key === undefined) {
    const { tokenId: _token, ...rest } = ctx.viewer as { tokenId?: string };
    key = JSON.stringify(rest);
    viewerKeys.set(ctx.viewer, key);
  }
  return key;
}

function executeEvent(args: ExecutionArgs, item: unknown) {
  const run = () => execute({ ...args, rootValue: item });
  const share = shareOf(item);
  if (!share) return run();
  const key = [
    'execution',
    documentId(args.document),
    args.operationName ?? '',
    JSON.stringify(args.variableValues ?? {}),
    share.index,
    viewerKey(args.contextValue as Context),
  ].join('\n');
  return share.shared.once(key, async () => run());
}

export async function sharedSubscribe(args: ExecutionArgs) {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  const operation = getOperationAST(args.document, args.operationName);
  return mapAsyncIterator(
    stream,
    (item) => executeEvent(args, item),
    (error: Error) => {
      throw createGraphQLError(error.message, { originalError: error, nodes: operation ? [operation] : [] });
    },
  );
}

export function useSharedLiveExecution(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(sharedSubscribe as never);
    },
  };
}
