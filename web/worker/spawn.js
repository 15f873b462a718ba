// spawn.js: the one place a worker is started. A module Web Worker in a page or a worker; a
// worker_threads Worker in Node. Either way the caller gets { post, listen, terminate }, and
// listen's onFail hears of every way a worker can go: a script error, a message that cannot be
// read, a worker_threads exit.
import { BackpropError } from '../core/errors.js';

// The two kinds of worker. Each `new Worker(new URL(...))` is written out whole so that bundlers
// (Vite, webpack) see the worker's module and bundle it.
const KINDS = {
  trainer: {
    url: () => new URL('./worker.js', import.meta.url),
    start: () => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }),
  },
  replica: {
    url: () => new URL('./replica_worker.js', import.meta.url),
    start: () => new Worker(new URL('./replica_worker.js', import.meta.url), { type: 'module' }),
  },
};

/**
 * Starts a worker of `kind`: 'trainer' (worker.js, serves a Session) or 'replica'
 * (replica_worker.js, a helper of a ReplicaGroup).
 * -> Promise<{ post(msg, transfer), listen(onMessage, onFail), terminate() }>
 */
export async function spawn(kind) {
  const k = KINDS[kind];
  if (!k) throw new BackpropError(`spawn: unknown kind of worker '${kind}' (known: ${Object.keys(KINDS).join(', ')})`);
  if (typeof globalThis.Worker === 'function') return webWorker(k);
  if (typeof process === 'object' && process.versions?.node) return nodeWorker(k.url());
  throw new BackpropError('trainer: workers need Web Workers (a page or a worker) or Node');
}

function webWorker(kind) {
  let w;
  try {
    w = kind.start();
  } catch (e) {
    // A page that loads the package from another origin may not start a worker from its URL:
    // a same-origin blob that imports it may.
    if (e?.name !== 'SecurityError') throw e;
    const src = `import ${JSON.stringify(String(kind.url()))};`;
    w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
  }
  return {
    post: (m, transfer = []) => w.postMessage(m, transfer),
    listen(onMessage, onFail) {
      w.onmessage = (e) => onMessage(e.data);
      w.onerror = (e) => {
        e.preventDefault?.();
        onFail(new BackpropError(`the worker failed: ${e.message || 'it could not load (a network or syntax error)'}`));
      };
      w.onmessageerror = () => onFail(new BackpropError('the worker sent a message that could not be read'));
    },
    terminate: () => w.terminate(),
  };
}

async function nodeWorker(url) {
  const { Worker } = await import(/* @vite-ignore */ 'node:worker_threads');
  const w = new Worker(url);
  let ended = false;
  return {
    post: (m, transfer = []) => w.postMessage(m, transfer),
    listen(onMessage, onFail) {
      w.on('message', onMessage);
      w.on('error', (e) => onFail(new BackpropError(`the worker failed: ${e.message}`)));
      w.on('exit', (code) => ended || onFail(new BackpropError(`the worker ended (exit code ${code})`)));
    },
    terminate() {
      ended = true;
      return w.terminate();
    },
  };
}
