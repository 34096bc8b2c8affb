/**
 * The checks every request passes before a route sees it, because this server reads files and
 * starts work on the machine it runs on:
 *  - Host must name the address the server serves (a DNS-rebinding page reaches 127.0.0.1
 *    under its own host name, which is refused);
 *  - a state-changing request (anything but GET/HEAD/OPTIONS) must come from the server's own
 *    origin: a browser sends Origin (and Sec-Fetch-Site) with it, and a page elsewhere must not
 *    be able to start or stop runs; clients that are not browsers send neither;
 *  - off loopback, a token printed at start: `Authorization: Bearer <token>`, `?token=` (for
 *    EventSource, which sets no headers), or the cookie the first `?token=` page load sets.
 * Every response carries COOP/COEP (cross-origin isolation, for SharedArrayBuffer) and CORP.
 */
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';

export interface SecurityOptions {
  /** `host:port` forms the server answers to (filled in once it listens). */
  hosts: () => ReadonlySet<string>;
  /** `http://host:port` origins allowed to change state. */
  origins: () => ReadonlySet<string>;
  token?: string;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const COOKIE = 'rnnlab_token';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The Host values and origins of a server on `host:port`: loopback also under its usual names;
 * a wildcard address (0.0.0.0, ::) under every address of the machine and its host name.
 */
export function addressesOf(host: string, port: number): { hosts: Set<string>; origins: Set<string> } {
  const bracket = (a: string) => (a.includes(':') && !a.startsWith('[') ? `[${a}]` : a);
  const loop = ['127.0.0.1', 'localhost', '[::1]'];
  let names: string[];
  if (isLoopback(host)) names = loop;
  else if (host === '0.0.0.0' || host === '::' || host === '[::]') {
    const own = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address.replace(/%.*$/, '')));
    names = [...loop, hostname().toLowerCase(), ...own.map(bracket)];
  } else names = [bracket(host.toLowerCase())];
  const hosts = new Set(names.map((n) => `${n}:${port}`));
  return { hosts, origins: new Set([...hosts].map((h) => `http://${h}`)) };
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given), b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

export function isolationHeaders(h: Headers): void {
  h.set('Cross-Origin-Opener-Policy', 'same-origin');
  h.set('Cross-Origin-Embedder-Policy', 'require-corp');
  h.set('Cross-Origin-Resource-Policy', 'same-origin');
  h.set('X-Content-Type-Options', 'nosniff');
  h.set('Referrer-Policy', 'no-referrer');
}

export function security(o: SecurityOptions): MiddlewareHandler {
  return async (c, next) => {
    const deny = (status: 401 | 403, error: string) => {
      const r = c.json({ error }, status);
      isolationHeaders(r.headers);
      return r;
    };
    const host = c.req.header('host');
    if (!host || !o.hosts().has(host.toLowerCase())) {
      return deny(403, `Host ${JSON.stringify(host ?? '')} is not this server's address (${[...o.hosts()].join(', ')}): refused (DNS rebinding protection)`);
    }
    if (!SAFE.has(c.req.method)) {
      const origin = c.req.header('origin');
      const site = c.req.header('sec-fetch-site');
      if (origin !== undefined && !o.origins().has(origin.toLowerCase())) {
        return deny(403, `Origin ${JSON.stringify(origin)} is not this server: a page elsewhere cannot change anything here`);
      }
      if (origin === undefined && site !== undefined && site !== 'same-origin' && site !== 'none') {
        return deny(403, `a ${site} request cannot change anything here`);
      }
    }
    let setCookie = false;
    if (o.token) {
      const auth = c.req.header('authorization');
      const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
      const query = c.req.query('token');
      if (!sameToken(bearer, o.token) && !sameToken(query, o.token) && !sameToken(cookieToken(c.req.header('cookie')), o.token)) {
        return deny(401, 'this server needs its token (printed when it started): Authorization: Bearer <token>, or ?token=<token>');
      }
      setCookie = sameToken(query, o.token);
    }
    await next();
    isolationHeaders(c.res.headers);
    if (setCookie) c.res.headers.append('Set-Cookie', `${COOKIE}=${o.token}; Path=/; HttpOnly; SameSite=Strict`);
  };
}
