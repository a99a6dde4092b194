// A merchant's browser for the Shopify app's pages: cookies kept per path (Max-Age=0 forgets one), no redirect
// followed on its own, a browser's User-Agent (the library refuses bots), and form POSTs with the Origin a browser
// sends (PostFlow's own, unless a test says otherwise).
export const BROWSER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

export interface Browser {
  jar: Map<string, { value: string; path: string; attributes: string[] }>;
  get(url: string): Promise<Response>;
  post(url: string, form: Record<string, string>, options?: { origin?: string | null }): Promise<Response>;
}

export function browser(): Browser {
  const jar: Browser['jar'] = new Map();
  const cookieFor = (pathname: string) =>
    [...jar]
      .filter(([, c]) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  async function send(url: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    const cookie = cookieFor(new URL(url).pathname);
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { 'user-agent': BROWSER_AGENT, ...init.headers, ...(cookie && { cookie }) } });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const [name, ...value] = pair!.split('=');
      const path = attributes.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      if (attributes.some((a) => /^max-age=0$/i.test(a)) || !value.join('=')) jar.delete(name!);
      else jar.set(name!, { value: value.join('='), path, attributes });
    }
    return response;
  }
  return {
    jar,
    get: (url) => send(url, { headers: {} }),
    post: (url, form, options = {}) => {
      const origin = options.origin === undefined ? new URL(url).origin : options.origin;
      return send(url, {
        method: 'POST',
        body: new URLSearchParams(form).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin !== null && { origin }) },
      });
    },
  };
}

/** The form token a claim page's forms carry. */
export const formTokenOf = (html: string) => /name="form_token" value="([^"]+)"/.exec(html)?.[1] ?? '';
