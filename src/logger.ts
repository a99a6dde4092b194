// A tiny levelled logger writing one line per event; enough for a self-hosted server.
// Every line goes through redact() first, at every level: a secret is kept out of a log file whatever the level,
// the caller, or where in the line it sits (a field at any depth, a value inside a message).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const REDACTED = '[REDACTED]';

// Field names are compared lower-cased with separators removed, so apiKey, api_key, x-api-key and API-KEY all match.
const SECRET_FIELD = /password|passwd|passphrase|secret|token|authorization|cookie|apikey|credential|verifier|privatekey|sessionkey|signingkey|masterkey/;

// Secrets that show up inside text: a message, an error's message or stack, a URL, a printed GraphQL query.
const SECRET_TEXT: [RegExp, string][] = [
  // PostFlow's API keys (pf_ + 32 characters; the 10-character display prefix stays readable).
  [/\bpf_[A-Za-z0-9_-]{16,}/g, `pf_${REDACTED}`],
  // JWS / JWT (session tokens, OAuth id tokens): three base64url parts, the first a JSON header ("eyJ").
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // Telegram puts the bot token in the path: /bot123456:ABC.../sendMessage.
  [/\bbot\d+:[A-Za-z0-9_-]{20,}/g, `bot${REDACTED}`],
  // user:password@ in connection strings and URLs.
  [/(\/\/[^:@/\s]+:)[^@/\s]+@/g, `$1${REDACTED}@`],
  // Query strings and form bodies: ?access_token=...&client_secret=...
  [/([?&;\s](?:access_token|refresh_token|id_token|client_secret|code_verifier|code|password|token|api_key|apikey|key|secret)=)[^&\s"']+/gi, `$1${REDACTED}`],
  // "password": "..." in JSON, password: "..." in GraphQL, PASSWORD '...' in SQL: whatever the quoting.
  [
    /((?:["']?)[\w-]*(?:password|passwd|secret|token|apikey|api_key|authorization|cookie|credentials?|verifier)[\w-]*["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/gi,
    `$1"${REDACTED}"`,
  ],
  [/(\bPASSWORD\s+)'(?:[^']|'')*'/gi, `$1'${REDACTED}'`],
];

export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

const isSecretField = (key: string) => SECRET_FIELD.test(key.toLowerCase().replace(/[-_\s.]/g, ''));

/** A copy of `value` fit for a log line: secret fields replaced at any depth, secret-shaped text redacted, no cycles. */
export function redact(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) return redactText(value.stack ?? `${value.name}: ${value.message}`);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = isSecretField(key) && item != null && item !== '' ? REDACTED : redact(item, seen);
  return out;
}

// One event, one line: control characters in a message (a client's text inside an error, say) are escaped, so a
// value cannot start a forged log line of its own.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;
const oneLine = (text: string) =>
  text.replace(CONTROL, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

export function formatLine(at: Exclude<LogLevel, 'silent'>, scope: string, message: string, fields?: Record<string, unknown>): string {
  const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(redact(fields))}` : '';
  return `${new Date().toISOString()} ${at.toUpperCase()} [${scope}] ${oneLine(redactText(message))}${extra}\n`;
}

export function createLogger(level: LogLevel, scope = 'postflow'): Logger {
  const write = (at: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
    if (order[at] < order[level]) return;
    (at === 'error' || at === 'warn' ? process.stderr : process.stdout).write(formatLine(at, scope, message, fields));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
