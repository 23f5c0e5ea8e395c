// A real SMTP server in the test process (smtp-server), keeping every message
// it accepts, parsed (mailparser). It can refuse deliveries with a temporary
// error (451) to exercise retries.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface TestSmtp {
  url: string;
  mails: ParsedMail[];
  /** Refuse this many next deliveries with "451 try again later". */
  refuseNext: number;
  /** Mails to one address. */
  to(address: string): ParsedMail[];
  /** Waits until `ok` holds (or 10 s pass) and returns the mails. */
  waitFor(ok: (mails: ParsedMail[]) => boolean, ms?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const mails: ParsedMail[] = [];
  const smtp: TestSmtp = {
    url: '',
    mails,
    refuseNext: 0,
    to: (address) => mails.filter((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((t) => t?.text.includes(address))),
    async waitFor(ok, ms = 10_000) {
      const end = Date.now() + ms;
      while (!ok(mails) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
      return mails;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    // No reverse DNS of the client: on a closed network every lookup waits for its timeout.
    disableReverseLookup: true,
    // A client's pooled connection left open must not hold the suite up for the default 30 s.
    closeTimeout: 500,
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          if (smtp.refuseNext > 0) {
            smtp.refuseNext -= 1;
            const error = Object.assign(new Error('Try again later'), { responseCode: 451 });
            return callback(error);
          }
          mails.push(mail);
          callback();
        },
        (error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  smtp.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return smtp;
}
