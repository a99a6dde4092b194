// A loopback SMTP server that keeps what it receives: the tests' mailbox for invitations, resets, verifications and
// notifications. Mail is often sent after the answer, so mailsTo() waits for it.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
  /** The message as written: quoted-printable soft line breaks and escapes undone. */
  text: string;
}

export interface SmtpSink {
  /** SMTP_URL for the app under test. */
  url: string;
  /** The env a test app needs to send here. */
  env: { SMTP_URL: string; SMTP_FROM: string };
  mails: ReceivedMail[];
  /** The mails to an address, once there are `count` of them. */
  mailsTo(address: string, count?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export const decodeQuotedPrintable = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const waiting: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, text: decodeQuotedPrintable(raw) });
        waiting.splice(0).forEach((wake) => wake());
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const url = `smtp://127.0.0.1:${port}`;
  return {
    url,
    env: { SMTP_URL: url, SMTP_FROM: 'PostFlow <noreply@postflow.test>' },
    mails,
    async mailsTo(address, count = 1) {
      const wanted = address.toLowerCase();
      for (;;) {
        const found = mails.filter((m) => m.to.some((to) => to.toLowerCase() === wanted));
        if (found.length >= count) return found;
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
