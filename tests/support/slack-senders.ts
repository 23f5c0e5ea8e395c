// The Slack benchmark's other side, in its own process: Slack itself (a fake
// Web API and response_url server that count the answers) and the senders of
// signed slash commands. In the server's process they measured their own
// signing, sending and counting as the bot's ack time.
//
// Messages: it starts the fake Slack and sends { slack: url }; then answers
// { measure: { kind, origin, concurrency, rounds, ... } } with the latencies,
// { answered: n } once n answers reached response_url (or after two minutes),
// and exits on 'stop'.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Measure {
  kind: 'command' | 'health';
  origin: string;
  concurrency: number;
  rounds: number;
  secret: string;
  caseId: string;
}
export interface Latencies {
  p50: number;
  p99: number;
  max: number;
}

let answers = 0;
const fake = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url?.startsWith('/response/')) answers += 1;
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
});
await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
const slack = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;

// Across rounds and phases: a trigger_id seen before is a Slack retry, acknowledged and not run.
let sent = 0;

function command(m: Measure, i: number) {
  const body = new URLSearchParams({
    team_id: 'T0001',
    channel_id: 'C0001',
    user_id: 'UBENCH001',
    command: '/psirt',
    text: `case ${m.caseId}`,
    response_url: `${slack}/response/${i}`,
    trigger_id: `t.${i}`,
  }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', m.secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return fetch(`${m.origin}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signature,
    },
    body,
  });
}

async function measure(m: Measure): Promise<Latencies> {
  const send = m.kind === 'command' ? (i: number) => command(m, i) : () => fetch(`${m.origin}/healthz`);
  const times: number[] = [];
  for (let r = 0; r < m.rounds; r++) {
    await Promise.all(
      Array.from({ length: m.concurrency }, async () => {
        const i = sent++;
        const t0 = performance.now();
        const res = await send(i);
        await res.arrayBuffer();
        times.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      }),
    );
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? Number.NaN;
  return { p50: at(50), p99: at(99), max: times.at(-1) ?? Number.NaN };
}

process.on('message', async (m: { measure?: Measure; answered?: number } | 'stop') => {
  if (m === 'stop') {
    fake.close();
    process.exit(0);
  }
  if (m.measure) process.send?.({ latencies: await measure(m.measure) });
  if (m.answered !== undefined) {
    const deadline = Date.now() + 120_000;
    while (answers < m.answered && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    process.send?.({ answers });
  }
});
process.send?.({ slack });
