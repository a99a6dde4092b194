// What PostFlow keeps of a network's answer (delivery lastError, attempt messages, a channel's auth error): a short
// excerpt without control characters and without anything that looks like a credential. A receiver or a proxy can
// put anything in an error body, including a token it was sent or megabytes of HTML.

/** Characters of a network's own sentence kept in a message. */
export const ANSWER_EXCERPT_CHARS = 300;
/** Characters of a whole failure message (PostFlow's wording around the network's sentence). */
export const FAILURE_MESSAGE_CHARS = 600;

// C0/C1 controls, zero-width and bidirectional formatting characters (which can make a message read differently
// than it is stored), and the byte-order mark.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]+/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const REDACTIONS: [RegExp, string][] = [
  // Authorization schemes followed by their credential.
  [/\b(bearer|basic|bot|token)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi, '$1$2[redacted]'],
  // key=value, key: value and "key":"value" where the key names a secret.
  [
    /(["']?)([\w-]*(?:token|secret|password|passwd|api[_-]?key|authorization|signature|session|cookie|jwt|code_verifier)[\w-]*)\1(\s*[:=]\s*)(["']?)[^"'\s&,;}]+/gi,
    '$1$2$1$3$4[redacted]',
  ],
  // JSON Web Tokens.
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, '[redacted]'],
  // Telegram bot tokens (<bot id>:<secret>).
  [/\b\d{5,}:[\w-]{30,}/g, '[redacted]'],
  // Any other long opaque run (access tokens, a webhook token in a path): mixed case and digits, or long hex.
  [/(?=[\w-]*[A-Z])(?=[\w-]*[a-z])(?=[\w-]*\d)[\w-]{32,}/g, '[redacted]'],
  [/\b[0-9a-fA-F]{32,}\b/g, '[redacted]'],
];

/** A network's text as PostFlow keeps it: controls stripped, credentials redacted, at most `max` characters. */
export function answerExcerpt(text: string, max: number = ANSWER_EXCERPT_CHARS): string {
  // Cut well beyond what is kept before anything else, so that the patterns never run over a megabyte of answer.
  let clean = text.slice(0, max * 4).replace(CONTROL, ' ');
  for (const [pattern, replacement] of REDACTIONS) clean = clean.replace(pattern, replacement);
  clean = clean.replace(/\s+/g, ' ').trim();
  if (clean.length > max) clean = `${clean.slice(0, max - 1).trimEnd()}…`;
  // A cut (or the network) may have left half of a surrogate pair, which PostgreSQL's UTF-8 cannot store.
  return clean.replace(LONE_SURROGATE, '');
}
