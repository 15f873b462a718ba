// spawn.js: the one place a worker is started. A module Web Worker in a page or a worker; a
// worker_threads Worker in Node. Either way the caller gets { post, listen, terminate } once the
// worker's script has loaded and said { ready: true }; a worker that fails before that, or stays
// silent for START_MS, is ended and spawn rejects with a BackpropError. After that, listen's
// onFail hears of every way a worker can go: a script error, a message that cannot be read, a
// worker_threads exit.
import { BackpropError } from '../core/errors.js';
import { nodeBuiltin } from '../core/node-builtin.js';

const START_MS = 30_000;

// Where the worker scripts are. Where this file sits in the package (Node, a page that loads the
// package's files as they are, webpack), beside it. A bundler that moved this file into one of
// its own (Vite's dev server pre-bundles dependencies into node_modules/.vite/deps/) finds them by
// the package's name instead. Each `new Worker(new URL(...))` is written out whole so that
// bundlers see the worker's module and bundle it; `beside` is no literal, so that they leave
// alone the plain URL that Node and the cross-origin fallback load.
const inPlace = /\/web\/worker\/spawn\.js(?:[?#]|$)/.test(import.meta.url);
const beside = (file) => new URL(file, import.meta.url);
const KINDS = {
  trainer: {
    file: './worker.js',
    start: () => (inPlace
      ? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })
      : new Worker(new URL('backprop-wasm/worker', import.meta.url), { type: 'module' })),
  },
  replica: {
    file: './replica_worker.js',
    start: () => (inPlace
      ? new Worker(new URL('./replica_worker.js', import.meta.url), { type: 'module' })
      : new Worker(new URL('backprop-wasm/web/worker/replica_worker.js', import.meta.url), { type: 'module' })),
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
  if (typeof globalThis.Worker === 'function') return started(webWorker(k), kind, k.file);
  if (typeof process === 'object' && process.versions?.node) return started(await nodeWorker(beside(k.file)), kind, k.file);
  throw new BackpropError('trainer: workers need Web Workers (a page or a worker) or Node');
}

function started(w, kind, file) {
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      w.terminate();
      reject(new BackpropError(`${kind}: the worker could not start from ${file.slice(2)} (${why})`));
    };
    const timer = setTimeout(() => fail(`not ready after ${START_MS / 1000} s`), START_MS);
    w.listen((m) => {
      if (!m?.ready) return;
      clearTimeout(timer);
      resolve(w);
    }, (e) => fail(e.message));
  });
}

function webWorker(kind) {
  let w;
  try {
    w = kind.start();
  } catch (e) {
    // A page that loads the package from another origin may not start a worker from its URL:
    // a same-origin blob that imports it may.
    if (e?.name !== 'SecurityError') throw e;
    const src = `import ${JSON.stringify(String(beside(kind.file)))};`;
    w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
  }
  return {
    post: (m, transfer = []) => w.postMessage(m, transfer),
    listen(onMessage, onFail) {
      w.onmessage = (e) => onMessage(e.data);
      w.onerror = (e) => {
        e.preventDefault?.();
        onFail(new BackpropError(`the worker failed: ${e.message || 'it could not load (a network or syntax error, or no such file)'}`));
      };
      w.onmessageerror = () => onFail(new BackpropError('the worker sent a message that could not be read'));
    },
    terminate: () => w.terminate(),
  };
}

async function nodeWorker(url) {
  const { Worker } = await nodeBuiltin('worker_threads');
  const w = new Worker(url);
  let ended = false, onMessage = () => {}, onFail = () => {};
  w.on('message', (m) => onMessage(m));
  w.on('error', (e) => onFail(new BackpropError(`the worker failed: ${e.message}`)));
  w.on('exit', (code) => ended || onFail(new BackpropError(`the worker ended (exit code ${code})`)));
  return {
    post: (m, transfer = []) => w.postMessage(m, transfer),
    listen(message, fail) {
      onMessage = message;
      onFail = fail;
    },
    terminate() {
      ended = true;
      return w.terminate();
    },
  };
}
