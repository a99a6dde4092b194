// A request body read whole but bounded: the webhook routes (Stripe's, Shopify's) need the raw bytes for their
// signatures, and a sender must not make the server hold more than the route allows.
import type { IncomingMessage } from 'node:http';

/** The body, or null once it passes `limit` bytes (announced or actual; the rest is not read). */
export async function readCappedBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  if (Number(request.headers['content-length'] ?? 0) > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
