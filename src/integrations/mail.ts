// Outgoing mail over SMTP (nodemailer). The composition root builds the one Mailer from SMTP_URL; services only see
// the interface, so what they send is the same whether a test's loopback server or a real relay receives it.
import nodemailer from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** A mailer on SMTP_URL: smtps:// is TLS from the start; smtp:// upgrades with STARTTLS when the server offers it. */
export function createSmtpMailer(settings: { smtpUrl: string; from: string }, timeoutMs: number): Mailer {
  const transport = nodemailer.createTransport({
    url: settings.smtpUrl,
    // A slow relay must not hold a request for long: the link is in the answer anyway.
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    async send(mail) {
      await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transport.close(),
  };
}
