// protocol.js: the messages between a page and the worker that owns the module (web/worker.js).
// Shared by both sides; no DOM, no WASM.
//
//   page -> worker   { id, op, args: [...] }                   op: one of OPS
//   worker -> page   { id, result }                            the call finished
//                    { id, error: { name, message } }          the call failed (BackpropError keeps its name)
//                    { event, detail }                         'progress' | 'gradcheck' (no id)
//
// Typed arrays in args and results cross by transfer: the sender's buffer moves, no second copy.
import { BackpropError } from './errors.js';

/** Every call a Session (web/session.js) answers. */
export const OPS = [
  'init', 'info', 'trainStep', 'setData', 'fit', 'stop', 'evaluate', 'predict', 'forward', 'gradCheck',
  'getParam', 'setParam', 'setOptimizer', 'save', 'load', 'dispose',
];

/** Events a Session emits while it works. */
export const EVENTS = ['progress', 'gradcheck'];

/** The ArrayBuffers of the typed arrays in value (top level, or one level inside arrays/objects). */
export function transferList(value) {
  const out = new Set();
  const add = (v) => {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && v.byteLength === v.buffer.byteLength) out.add(v.buffer);
  };
  add(value);
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) for (const v of Object.values(value)) add(v);
  return [...out];
}

/** An Error as a plain object that survives postMessage with its name. */
export function errorToMessage(e) {
  return { name: e?.name ?? 'Error', message: e?.message ?? String(e) };
}

/** The other way: a BackpropError stays a BackpropError. */
export function errorFromMessage({ name, message }) {
  const e = name === 'BackpropError' ? new BackpropError(message) : new Error(message);
  if (name !== 'BackpropError') e.name = name;
  return e;
}
