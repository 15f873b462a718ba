// read-bytes.js: the bytes at a URL in a page, a worker or Node, where a file: URL is read from
// disk (Node's fetch does not take them), optionally gunzipped as they arrive (the built-in
// DecompressionStream('gzip'), in browsers and Node ≥ 18). MNIST's loaders (web/core/mnist.js) and the
// bundled subset read through it.
import { BackpropError } from './errors.js';
import { nodeBuiltin } from './node-builtin.js';

/**
 * url (a URL) -> Uint8Array. onBytes({ loaded, total, unpacked }) as bytes arrive: bytes
 * transferred so far, the transfer's size (Content-Length; 0 when unknown) and bytes taken so far.
 * Failures: BackpropError `${what}: HTTP 404` (or the reason).
 */
export async function readBytes(url, what, onBytes = () => {}) {
  const src = await open(url, what);
  if (src.missing) throw new BackpropError(`${what}: ${src.missing}`);
  return take(src, what, onBytes, false);
}

/**
 * The file `name` in the folder dir (a URL ending in '/'): its gzipped copy `${name}.gz` when the
 * folder has one (unpacked as it arrives), else the file itself. -> { bytes, file } (file: the name
 * read). Errors name the file: `${what}${file}: …`; neither there: `${what}no ${name}.gz nor ${name} in ${dir} (reason)`.
 */
export async function readGzOrRaw(dir, name, what, onBytes = () => {}) {
  for (const [file, gunzip] of [[`${name}.gz`, true], [name, false]]) {
    const src = await open(new URL(file, dir), `${what}${file}`);
    if (!src.missing) return { bytes: await take(src, `${what}${file}`, onBytes, gunzip), file };
    if (!gunzip) throw new BackpropError(`${what}no ${name}.gz nor ${name} in ${dir} (${src.missing})`);
  }
}

// -> { bytes } (a file: URL, read whole) | { body, total } (a fetch's stream) | { missing: reason }
// when there is no such file (ENOENT; HTTP 404 or 410). Other failures throw `${what}: reason`.
async function open(url, what) {
  const failed = (e) => {
    throw new BackpropError(`${what}: ${e.message}`);
  };
  if (url.protocol === 'file:') {
    const { readFile } = await nodeBuiltin('fs/promises');
    try {
      return { bytes: new Uint8Array(await readFile(url)) };
    } catch (e) {
      return e.code === 'ENOENT' ? { missing: e.message } : failed(e);
    }
  }
  const res = await fetch(url).catch(failed);
  if (res.status === 404 || res.status === 410) return { missing: `HTTP ${res.status}` };
  if (!res.ok) throw new BackpropError(`${what}: HTTP ${res.status}`);
  // A host that serves a .gz with Content-Encoding: gzip has the browser unpack it already.
  const unpacked = /\bgzip\b/i.test(res.headers.get('content-encoding') ?? '');
  return { body: res.body, total: Number(res.headers.get('content-length')) || 0, unpacked };
}

// The bytes of an opened file, gunzipped when asked, counting as they come.
async function take({ bytes, body, total, unpacked: already }, what, onBytes, gunzip) {
  if (bytes) body = new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) }), total = bytes.length;
  let loaded = 0, unpacked = 0, netError = null;
  const reader = body.getReader();
  let stream = new ReadableStream({
    async pull(c) {
      const r = await reader.read().catch((e) => {
        throw (netError = e);
      });
      if (r.done) return c.close();
      loaded += r.value.length;
      c.enqueue(r.value);
    },
    cancel: (why) => reader.cancel(why),
  });
  if (gunzip && !already) stream = stream.pipeThrough(new DecompressionStream('gzip'));
  const parts = [], out = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await out.read();
      if (done) break;
      parts.push(value);
      unpacked += value.length;
      onBytes({ loaded, total, unpacked });
    }
  } catch (e) {
    throw new BackpropError(`${what}: ${netError ? netError.message : gunzip ? 'truncated or corrupt gzip data' : e.message}`);
  }
  onBytes({ loaded, total, unpacked });
  const result = new Uint8Array(unpacked);
  let o = 0;
  for (const p of parts) result.set(p, (o += p.length) - p.length);
  return result;
}
