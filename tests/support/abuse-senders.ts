// The mail-abuse benchmark's senders, in their own process: pushing twenty
// 15 MB mails keeps a Node event loop busy, and the prober measuring the
// API's latency must not wait behind them (it would measure its own stalls).
// Receives { port, recipient, mails, until, kinds }, sends until `until`,
// answers with the SMTP codes per kind.
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';

interface Job {
  port: number;
  recipient: string;
  mails: number;
  until: number;
  kinds: { name: string; raw: string }[];
}

async function send(port: number, recipient: string, raw: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ envelope: { from: 'mallory@attacker.example', to: [recipient] }, raw });
    return info.response.slice(0, 3);
  } catch (error) {
    return /\b(\d{3})\b/.exec((error as Error).message)?.[1] ?? (error as Error).message.slice(0, 40);
  } finally {
    transport.close();
  }
}

process.once('message', async (job: Job) => {
  const answers: Record<string, Record<string, number>> = {};
  await Promise.all(
    Array.from({ length: job.mails }, async (_, i) => {
      for (let j = i; Date.now() < job.until; j += job.mails) {
        const k = job.kinds[j % job.kinds.length] as Job['kinds'][number];
        const raw = k.raw.replace(/Message-ID: <[^>]+>/, `Message-ID: <${randomUUID()}@x>`);
        const code = await send(job.port, job.recipient, raw);
        const per = answers[k.name] ?? {};
        per[code] = (per[code] ?? 0) + 1;
        answers[k.name] = per;
      }
    }),
  );
  process.send?.({ answers }, () => process.exit(0));
});
