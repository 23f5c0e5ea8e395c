// The bot's way into the GraphQL API, and what a user is told when a command
// fails: the API's own words, never internals.
import { ApiError, type PsirtApi, type Reply, UsageError } from '@psirt/plugin-sdk';
import type { BotOptions } from './index.ts';

/** The API as one Slack user (or, without one, as the bot's service account). */
export function apiClient(api: BotOptions['api'], slackUserId?: string): PsirtApi {
  const doFetch = api.fetch ?? fetch;
  return {
    async gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const res = await doFetch(api.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${api.token}`,
          ...(slackUserId ? { 'x-psirt-slack-user': slackUserId } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as {
        data?: T;
        errors?: { message: string; extensions?: { code?: string } }[];
      };
      const error = body.errors?.[0];
      if (error) throw new ApiError(error.message, error.extensions?.code ?? 'INTERNAL');
      return body.data as T;
    },
  };
}

export const asReply = (r: string | Reply): Reply => (typeof r === 'string' ? { text: r } : r);

/** What the user is told when a command or action fails. Nothing internal leaks. */
export function explain(error: unknown, usage?: string): string {
  if (error instanceof UsageError) return usage ? `${error.message}\nUsage: ${usage}` : error.message;
  if (error instanceof ApiError) {
    // The API's messages are written for users and never carry internals (masked there).
    return error.code === 'UNAUTHENTICATED' || error.code === 'INTERNAL'
      ? error.message
      : `${error.message} (${error.code})`;
  }
  return 'Something went wrong; it has been logged for the PSIRT team.';
}
