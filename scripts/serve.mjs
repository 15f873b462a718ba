// serve.mjs: the dev server (npm start, the browser tests, the benchmarks). It serves the project's
// public files only: the URL paths in PUBLIC (the pages, web/, dist/ with the demo's gzipped MNIST in
// dist/mnist/, and the KaTeX files the pages load from node_modules), to GET and HEAD, with the cross-origin-isolation headers the demo
// needs for threads. A file is served when its URL path lies in an allowed entry and, symlinks
// resolved, its real path still lies in that entry's real path (an entry itself may be a symlink, as
// node_modules is in a git worktree). Malformed paths (bad percent-encoding, control characters,
// backslashes, empty, '.' or '..' segments) get 400. It listens on 127.0.0.1 and answers only a Host of
// localhost, 127.0.0.1 or [::1] with its port (403 otherwise, so a DNS-rebinding page cannot read it);
// BACKPROP_HOST=0.0.0.0 (or any other address) listens there and accepts any Host. Port from PORT (default 8080).
//
// Why not Vite's dev server (a devDependency)? It serves its whole workspace root minus a denylist
// (.env, *.pem, .git) where this serves an allowlist, and it rewrites what it serves (import analysis,
// an injected client script, pre-bundled dependencies), so the pages would not run the files the
// package ships. The COOP/COEP headers need configuring either way; node:http serves the files as they are.
import { createServer } from 'node:http';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The URL paths served from the repository; an entry ending in '/' serves that folder. */
export const PUBLIC = ['/index.html', '/learn.html', '/examples/', '/web/', '/dist/', '/node_modules/katex/dist/'];
const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.bin': 'application/octet-stream', '.gz': 'application/gzip', '.ts': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf',
};

/** The decoded path of a request target; null when it is not '/' + a path with valid percent-encoding,
 * no control characters or backslashes, and no empty, '.' or '..' segments (a trailing '/' is fine). */
export function requestPath(target) {
  const raw = target.split('?')[0];
  let path;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return null;
  }
  const segments = path.split('/').slice(1);
  const bad = (s, i) => s === '.' || s === '..' || (s === '' && i < segments.length - 1);
  return raw.startsWith('/') && !/[\0-\x1f\x7f\\]/.test(path) && !segments.some(bad) ? path : null;
}

// The real path of file when it lies in the real path of one of the allowed entries its URL path is in; else null.
function publicFile(dir, allow, path) {
  const inEntry = (e) => path === e || (e.endsWith('/') && `${path}/`.startsWith(e));
  const real = (p) => {
    try {
      return realpathSync(p);
    } catch {
      return null;
    }
  };
  const entries = allow.filter(inEntry).map((e) => real(join(dir, e))).filter(Boolean);
  const file = entries.length ? real(join(dir, path)) : null;
  return entries.some((e) => file === e || file?.startsWith(e.endsWith(sep) ? e : e + sep)) ? file : null;
}

function handle(req, res, { dir, allow, isolate, hosts }) {
  const reply = (status, text, headers = {}) => {
    const body = `${text}\n`;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', ...headers }).end(body);
  };
  const host = req.headers.host?.toLowerCase();
  if (hosts && !hosts.includes(host)) return reply(403, `forbidden: Host ${JSON.stringify(host ?? '')} is not one of ${hosts.join(', ')}`);
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, `method not allowed: ${req.method} (GET, HEAD)`, { allow: 'GET, HEAD' });
  const path = requestPath(req.url);
  if (path === null) return reply(400, `bad request: ${JSON.stringify(req.url)}`);
  const wanted = path.endsWith('/') ? `${path}index.html` : path;
  const file = publicFile(dir, allow, wanted);
  const st = file && statSync(file);
  if (st?.isDirectory()) return reply(302, 'a folder', { location: `${wanted.split('/').map(encodeURIComponent).join('/')}/` });
  if (!st?.isFile()) return reply(404, `not found: ${JSON.stringify(path)}`);
  const headers = { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'content-length': st.size, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
  if (isolate) {
    headers['cross-origin-opener-policy'] = 'same-origin';
    headers['cross-origin-embedder-policy'] = 'require-corp';
    headers['cross-origin-resource-policy'] = 'same-origin';
  }
  res.writeHead(200, headers);
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

/**
 * Starts the server -> { server, url, close() }. host: the address to listen on (BACKPROP_HOST, not HOST, which some shells set; 127.0.0.1, where
 * only loopback Host headers are answered; any other address answers any Host). dir: the folder served,
 * allow: the URL paths in it that are served (PUBLIC; ['/'] serves all of dir). isolate: COOP/COEP headers.
 */
export async function serve({ port = process.env.PORT ?? 8080, host = process.env.BACKPROP_HOST || '127.0.0.1', dir = root, allow = PUBLIC, isolate = true, quiet = false } = {}) {
  const p = Number(port);
  if (String(port).trim() === '' || !Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`port must be an integer from 0 to 65535, got '${port}'`);
  const options = { dir, allow, isolate, hosts: null };
  const server = createServer((req, res) => {
    try {
      handle(req, res, options);
    } catch {
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('internal error\n');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(p, host, resolve);
  });
  const { port: bound } = server.address(), loopback = LOOPBACK.includes(host);
  if (loopback) options.hosts = ['localhost', '127.0.0.1', '[::1]'].flatMap((n) => (bound === 80 ? [`${n}:80`, n] : [`${n}:${bound}`]));
  const name = loopback || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${name}:${bound}/`;
  if (!quiet) {
    console.log(`backprop-wasm demo: ${url}`);
    console.log(`  serves ${allow.join(' ')}`);
    console.log(loopback ? '  to this machine only (BACKPROP_HOST=0.0.0.0 to listen on every interface)' : `  on ${host}, to any Host`);
  }
  return { server, url, close: () => new Promise((r) => server.close(r)) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  serve().catch((e) => {
    console.error(`serve: ${e.message}${e.code === 'EADDRINUSE' ? ' (set PORT to use another port)' : ''}`);
    process.exit(1);
  });
}
