/**
 * A tiny scripted browser for OIDC tests: a cookie jar, manual redirects and the oidc-provider development
 * login and consent forms (hidden inputs + `login`/`password`).
 */
export interface ScriptedBrowser {
  /**
   * Follows redirects and submits login/consent forms from `url` until a page that is not a form, or until
   * `stopAt(url)` is true (that URL is returned unfetched, e.g. a CLI's loopback redirect).
   */
  visit(url: string, opts?: { stopAt?: (url: URL) => boolean }): Promise<BrowserPage>;
  /** The Cookie header the browser sends now (to replay a request by hand). */
  cookieHeader(): string;
}

export interface BrowserPage {
  readonly url: URL;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

const FORM = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i;
const INPUT = /<input[^>]*>/gi;
const attr = (tag: string, name: string) => new RegExp(`${name}="([^"]*)"`, 'i').exec(tag)?.[1];
const decodeEntities = (s: string) => s.replace(/&amp;/g, '&').replace(/&#x2F;/gi, '/').replace(/&quot;/g, '"');

export function createScriptedBrowser(login: string): ScriptedBrowser {
  // Keyed by name only: every server in these tests is on 127.0.0.1, and cookies do not isolate by port.
  const jar = new Map<string, string>();

  function store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }

  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

  async function request(url: URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', cookieHeader());
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    store(res.headers);
    return res;
  }

  return {
    cookieHeader,
    async visit(start, opts = {}) {
      let url = new URL(start);
      let init: RequestInit = {};
      for (let hop = 0; hop < 30; hop++) {
        if (opts.stopAt?.(url)) return { url, status: 0, headers: new Headers(), text: '' };
        const res = await request(url, init);
        init = {};
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
          await res.arrayBuffer();
          url = new URL(location, url);
          continue;
        }
        const text = await res.text();
        const form = FORM.exec(text);
        if (!form) return { url, status: res.status, headers: res.headers, text };
        const fields = new URLSearchParams();
        for (const tag of form[2]?.match(INPUT) ?? []) {
          const name = attr(tag, 'name');
          if (name === 'login') fields.set(name, login);
          else if (name === 'password') fields.set(name, 'any-password');
          else if (name) fields.set(name, decodeEntities(attr(tag, 'value') ?? ''));
        }
        url = new URL(decodeEntities(form[1] ?? ''), url);
        init = { method: 'POST', body: fields, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
      }
      throw new Error(`too many redirects from ${start}`);
    },
  };
}
