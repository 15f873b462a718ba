// read-bytes.js: the bytes at a URL in a page, a worker or Node, where a file: URL is read from
// disk (Node's fetch does not take them). The session's loadMnist and the bundled subset read
// through it.
import { BackpropError } from './errors.js';
import { nodeBuiltin } from './node-builtin.js';

/** url (a URL) -> Uint8Array; onBytes(n, total) as they arrive. Failures: BackpropError `${what}: HTTP 404` (or the reason). */
export async function readBytes(url, what, onBytes = () => {}) {
  const failed = (e) => {
    throw new BackpropError(`${what}: ${e.message}`);
  };
  if (url.protocol === 'file:') {
    const { readFile } = await nodeBuiltin('fs/promises');
    const b = new Uint8Array(await readFile(url).catch(failed));
    onBytes(b.length, b.length);
    return b;
  }
  const res = await fetch(url).catch(failed);
  if (!res.ok) throw new BackpropError(`${what}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || 0;
  const reader = res.body.getReader(), parts = [];
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    got += value.length;
    onBytes(value.length, total);
  }
  const out = new Uint8Array(got);
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
}
