// Every request of the plugin is signed the Standard Webhooks way (PROTOCOL.md, "Signing"), checked here by the
// `standardwebhooks` package itself, so PostFlow accepts exactly what that reference implementation accepts: the
// webhook-id, webhook-timestamp and webhook-signature headers, HMAC-SHA256 over "{id}.{timestamp}.{body}", and a
// timestamp within 300 s of this clock (the replay window). A GET signs its path and query as sent.
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** The package's own tolerance (WEBHOOK_TOLERANCE_IN_SECONDS), which the contract adopts. */
export const REPLAY_WINDOW_SECONDS = 300;

export const SITE_HEADER = 'x-postflow-site';

export type Verdict = { ok: true; messageId: string } | { ok: false; reason: string };

/** Checks a request's signature over `signed` (the raw body of a POST, the path and query of a GET). */
export function verifySignature(secret: string, headers: IncomingHttpHeaders, signed: string): Verdict {
  const single = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? undefined : value;
  };
  const messageId = single('webhook-id');
  const timestamp = single('webhook-timestamp');
  const signature = single('webhook-signature');
  if (!messageId || !timestamp || !signature) return { ok: false, reason: 'the webhook-id, webhook-timestamp and webhook-signature headers are required' };
  // The package reads any digits at the start; the contract says Unix seconds, nothing else.
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'webhook-timestamp must be Unix seconds' };
  let webhook: Webhook;
  try {
    webhook = new Webhook(secret);
  } catch {
    return { ok: false, reason: 'this site has no usable signing secret' };
  }
  try {
    webhook.verify(signed, { 'webhook-id': messageId, 'webhook-timestamp': timestamp, 'webhook-signature': signature }, { jsonParse: false });
    return { ok: true, messageId };
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    const reason = /too old|too new/.test(error.message)
      ? `webhook-timestamp is more than ${REPLAY_WINDOW_SECONDS} s from PostFlow's clock (replayed, or the site's clock is wrong)`
      : 'the signature does not verify';
    return { ok: false, reason };
  }
}
