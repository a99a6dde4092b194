// A loopback stand-in for PostFlow's WordPress endpoints (plugins/wordpress/PROTOCOL.md), for the plugin's tests: it
// records every request as sent, verifies its Standard Webhooks signature with the `standardwebhooks` package (the
// same verification PostFlow does), and answers what the test says.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export interface ReceivedRequest {
  method: string;
  /** The path and query as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The signature checked over the body (POST) or the path and query (GET); why not, when it failed. */
  verified: true | string;
  json: any;
}

export interface Answer {
  status: number;
  body?: unknown;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** The answer to the next requests (default: 202 accepted for events, the ping and status fixtures for GETs). */
  answer: ((request: ReceivedRequest) => Answer) | null;
  events(): ReceivedRequest[];
  clear(): void;
  close(): Promise<void>;
}

export const PING_ANSWER = {
  workspace: { id: '8f1c2d3e-4a5b-4c6d-9e7f-0a1b2c3d4e5f', name: 'Acme Workspace' },
  source: { id: 'src_1', name: 'Acme Blog', status: 'ACTIVE' },
  channels: [
    { id: '0b7e8a52-3c1d-4f6e-9a2b-5c8d7e6f1a2b', name: 'Acme on Bluesky', network: 'BLUESKY' },
    { id: '5d2f9c41-7e3a-4b8d-8c6f-1a9e2b7d4c3f', name: 'Acme on Mastodon', network: 'MASTODON' },
  ],
};

export async function startReceiver(secret: string): Promise<Receiver> {
  const webhook = new Webhook(secret);
  const receiver: Receiver = {
    url: '',
    requests: [],
    answer: null,
    events: () => receiver.requests.filter((r) => r.method === 'POST' && r.url === '/wordpress/events'),
    clear: () => void (receiver.requests.length = 0),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signed = req.method === 'GET' ? req.url! : body;
      let verified: true | string = true;
      try {
        webhook.verify(signed, {
          'webhook-id': String(req.headers['webhook-id']),
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        });
      } catch (error) {
        // verify() JSON-parses what it verified: a GET's signed path is not JSON, and only that error is not a refusal.
        if (error instanceof WebhookVerificationError || req.method !== 'GET') verified = (error as Error).message;
      }
      let json: any = null;
      try {
        json = body ? JSON.parse(body) : null;
      } catch {
        // not JSON: the test reads body
      }
      const request: ReceivedRequest = { method: req.method!, url: req.url!, headers: req.headers, body, verified, json };
      receiver.requests.push(request);
      const answer = receiver.answer?.(request) ?? defaultAnswer(request);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

function defaultAnswer(request: ReceivedRequest): Answer {
  if (request.url === '/wordpress/ping') return { status: 200, body: PING_ANSWER };
  if (request.url.startsWith('/wordpress/status')) {
    const ids = new URL(request.url, 'http://x').searchParams.get('items')?.split(',') ?? [];
    return {
      status: 200,
      body: {
        items: ids.map((id) => ({
          id,
          deliveries: [
            {
              id: `d_${id}`,
              channel: PING_ANSWER.channels[0],
              status: 'PUBLISHED',
              scheduled_at: null,
              published_at: '2026-12-01T10:00:00Z',
              external_url: `https://bsky.example/post/${id}`,
              error: null,
            },
          ],
        })),
      },
    };
  }
  return { status: 202, body: { accepted: true, event_id: request.headers['webhook-id'], duplicate: false } };
}
