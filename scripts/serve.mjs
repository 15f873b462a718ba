// serve.mjs: a static server for the repository (the demo, the module, the MNIST files).
// Port from PORT (default 8080). Sends the cross-origin-isolation headers so the demo
// may use threads; everything it loads is same-origin.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.bin': 'application/octet-stream', '.ts': 'text/plain; charset=utf-8',
};

export function serve({ port = Number(process.env.PORT ?? 8080), dir = root, isolate = true, quiet = false } = {}) {
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(dir, path));
    if (!file.startsWith(normalize(dir) + sep) && file !== normalize(dir)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    let st;
    try {
      st = statSync(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    if (st.isDirectory()) {
      res.writeHead(302, { location: path + '/' }).end();
      return;
    }
    const headers = { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'content-length': st.size, 'cache-control': 'no-cache' };
    if (isolate) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const url = `http://localhost:${server.address().port}/`;
      if (!quiet) console.log(`backprop-wasm demo: ${url}`);
      resolve({ server, url, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  serve().catch((e) => {
    console.error(`serve: ${e.message}${e.code === 'EADDRINUSE' ? ' (set PORT to use another port)' : ''}`);
    process.exit(1);
  });
}
