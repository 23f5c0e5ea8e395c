// The abuse benchmark's GraphQL clients, in their own process: building and
// sending 20 MB bodies and reading megabyte answers keeps a Node event loop
// busy, and the prober measuring everyone else's latency must not wait behind
// them (it would measure its own stalls). Receives { url, token, clients,
// until, ops }, loops until `until`, answers with the codes per operation.
export interface AbuseOp {
  name: string;
  staff: boolean;
  query?: string;
  /** A body of this many bytes of JSON instead of a query: one query padded with a variable nobody reads. */
  padBytes?: number;
}

interface Job {
  url: string;
  token: string;
  clients: number;
  until: number;
  ops: AbuseOp[];
}

async function post(url: string, body: Uint8Array<ArrayBuffer>, token?: string): Promise<string> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
    const text = await res.text();
    try {
      const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
      return parsed.errors?.[0]?.extensions?.code ?? `HTTP ${res.status}${parsed.errors ? '' : ' ok'}`;
    } catch {
      return `HTTP ${res.status}`;
    }
  } catch (error) {
    // A refused body may end in a reset while it is still being sent: that is an answer too.
    return (error as Error).message.slice(0, 40);
  }
}

process.once('message', async (job: Job) => {
  // Encoded once: sending is the load, not building 20 MB of JSON again for every request.
  const bodies = job.ops.map((op) =>
    new TextEncoder().encode(
      op.padBytes
        ? JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(op.padBytes) } })
        : JSON.stringify({ query: op.query }),
    ),
  );
  const answers: Record<string, Record<string, number>> = {};
  await Promise.all(
    Array.from({ length: job.clients }, async (_, k) => {
      for (let i = k; Date.now() < job.until; i++) {
        const at = i % job.ops.length;
        const op = job.ops[at] as AbuseOp;
        const code = await post(job.url, bodies[at] as Uint8Array<ArrayBuffer>, op.staff ? job.token : undefined);
        const per = answers[op.name] ?? {};
        per[code] = (per[code] ?? 0) + 1;
        answers[op.name] = per;
      }
    }),
  );
  process.send?.({ answers }, () => process.exit(0));
});
