import type { DocumentNode } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { mayMutate } from '../access.ts';
import type { Context } from '../context.ts';
import { operationOf } from './limits.ts';

/**
 * The Slack bot's account on its own changes nothing: every mutation it sends
 * must name the Slack user it acts for, whose roles then decide (access.ts).
 * Checked once per operation, before any mutation field runs.
 */
export function useBotAccountReadOnly(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (mayMutate(args.contextValue.viewer)) return;
      if (operationOf(args.document as DocumentNode, args.operationName) !== 'mutation') return;
      setResultAndStopExecution({
        errors: [
          createGraphQLError(
            'The chat-ops account changes nothing on its own: send X-Psirt-Slack-User with the Slack user it acts for.',
            { extensions: { code: 'FORBIDDEN' } },
          ),
        ],
      });
    },
  };
}
