// GraphQL in-process, for the website's reporter pages: the same Yoga pipeline
// (rules, limits, authorization, masking) without a network hop, with the
// request being served as server context — its client address counts for the
// API's rate limits — and what only the site knows about a submission.
import type { ReporterSiteDeps } from '../site/report.ts';
import type { ApiYoga } from './yoga.ts';

export function inProcessGraphql(yoga: ApiYoga): ReporterSiteDeps['gql'] {
  // Yoga's fetch takes the server context after the request; its type does not say so.
  const fetch = yoga.fetch as unknown as (url: string, init: RequestInit, ctx: object) => Promise<Response>;
  return async (req, o) => {
    const response = await fetch(
      'http://localhost/graphql',
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        },
        body: JSON.stringify({ query: o.query, variables: o.variables ?? {} }),
      },
      { req, ...(o.webForm ? { webForm: o.webForm } : {}) },
    );
    return { status: response.status, ...((await response.json()) as object) };
  };
}
