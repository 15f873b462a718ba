// targets.mjs: the WASM fuzz targets: what one input does in the real module (dist/backprop.mjs),
// through the package's own API, as a page would. Used by fuzz/wasm.mjs (the mutation fuzzer)
// and tests/js/fuzz-corpus.test.js (every corpus entry, once).
//
//   model_file  bytes -> bp.load(bytes)
//   spec        bytes -> the module's spec parser as raw text (NetHandle.init, what
//               bp.sequential passes its JSON.stringify to), and, when the text is JSON,
//               bp.sequential(JSON.parse(text))
//   json        bytes -> the same raw parse, and, when the text is JSON, bp.fromJSON(JSON.parse(text))
// A net that comes out is exercised: saved with its optimizer state, loaded back and saved
// again (the bytes must match), then one training step and a predict (which may refuse, with a
// BackpropError). run(bytes) returns the outcome's class: "ok <layers>" or the BackpropError's
// message's template (outcomeClass) (fuzz/wasm.mjs keeps an input that gives a new
// class). Any other error is a finding and propagates.
import createBackpropModule from '../dist/backprop.mjs';
import { loadBackprop } from '../web/core/backprop.js';
import { BackpropError } from '../web/core/errors.js';

/** A property that failed on a net the module accepted (not a crash: the module said yes, then broke a promise). */
export class Broken extends Error {
  constructor(message) {
    super(message);
    this.name = 'Broken';
  }
}

/**
 * The message's class, its template: what follows "got" or a bracket, and quoted text, blanked
 * (input the message quotes); cut at the first character a template does not have (a lone
 * quote, a control character: the rest quotes the input too); hex and numbers blanked; at most
 * 100 characters.
 */
export function outcomeClass(message) {
  let s = message
    .replace(/\bgot .*/s, 'got …')
    .replace(/'[^'\r\n]*'/g, '\u0001')
    .replace(/"[^"\r\n]*"/g, '\u0002')
    .replace(/[[{].*/s, '…');
  const odd = s.search(/[^\w\u0001\u0002 ,:;()./<>=+*?!^&|%#…-]/);
  if (odd >= 0) s = s.slice(0, odd) + '…';
  return s
    .replace(/\u0001/g, "'…'")
    .replace(/\u0002/g, '"…"')
    .replace(/0x[0-9a-f]+/gi, '#')
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, '#')
    .slice(0, 100);
}

const decoder = new TextDecoder();
function parseJson(bytes) {
  try {
    return { ok: true, value: JSON.parse(decoder.decode(bytes)) };
  } catch {
    return { ok: false };
  }
}
const KNOWN_SPEC = '{"input":[2],"layers":[{"type":"dense","units":2}]}';
const size = (shape) => shape.reduce((a, b) => a * b, 1);
const ROUND_TRIP_VALUES = 1 << 20;
function same(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Loads the module twice (the API's instance and a raw one for text the API would not pass) -> { bp, targets }. */
export async function wasmTargets() {
  const bp = await loadBackprop();
  const raw = await createBackpropModule();

  // The module's spec parser on the raw bytes (Embind passes a Uint8Array to std::string as is).
  function rawInit(bytes) {
    const h = new raw.NetHandle();
    try {
      const status = h.init(bytes);
      if (typeof status !== 'string') throw new Broken(`NetHandle.init returned ${typeof status}, not a status string`);
      return status;
    } finally {
      h.delete();
    }
  }

  // What a user does with a net the module gave: save (with optimizer state), load, save: the
  // same bytes (for nets of up to ROUND_TRIP_VALUES parameter values: near the size limit a
  // round trip takes a minute in WASM); then one training step on one sample and a predict.
  function exercise(net) {
    if (net.paramInfo().reduce((a, p) => a + size(p.shape), 0) <= ROUND_TRIP_VALUES) {
      const once = net.save({ optimizer: true });
      const back = bp.load(once);
      try {
        const twice = back.save({ optimizer: true });
        if (!same(once, twice)) throw new Broken(`save, load, save gave other bytes (${once.length} then ${twice.length} bytes)`);
      } finally {
        back.dispose();
      }
    }
    const x = new Float64Array(size(net.inputShape)).fill(0.5);
    const y = net.spec.loss === 'mse' ? new Float64Array(size(net.outputShape)) : [0];
    try {
      net.trainStep(x, y, 1);
      net.predict(x, 1);
    } catch (e) {
      if (!(e instanceof BackpropError)) throw e;
    }
    return `ok ${net.dtype} ${net.layers().map((l) => l.type).join(',')}`.slice(0, 100);
  }

  // Runs make(), exercises and frees the net it gives; a BackpropError is an outcome too.
  function outcome(make) {
    let net;
    try {
      net = make();
      return exercise(net);
    } catch (e) {
      if (e instanceof BackpropError) return outcomeClass(e.message);
      throw e;
    } finally {
      net?.dispose();
    }
  }

  // open(bytes): the API call alone (a net, or it throws); run(bytes): the raw parse first for
  // the text targets, then open, the net exercised and freed -> the outcome's class.
  const json = (bytes) => JSON.parse(decoder.decode(bytes));
  const textTarget = (open) => ({
    open,
    run(bytes) {
      const status = rawInit(bytes);
      return parseJson(bytes).ok ? outcome(() => open(bytes)) : `raw ${outcomeClass(status)}`;
    },
  });
  const targets = {
    model_file: { open: (bytes) => bp.load(bytes), run: (bytes) => outcome(() => bp.load(bytes)) },
    spec: textTarget((bytes) => bp.sequential(json(bytes))),
    json: textTarget((bytes) => bp.fromJSON(json(bytes))),
  };

  /**
   * A known-good call per target (an input that gave a net), checked against what it gave at
   * the start: the module still works. known(target, bytes) records, healthy(target) checks.
   */
  const good = {};
  function probe(target, bytes) {
    const x = (net) => Float64Array.from({ length: size(net.inputShape) }, (_, i) => Math.sin(i + 1));
    let net;
    try {
      net = targets[target].open(bytes);
      return Array.from(net.predict(x(net), 1));
    } finally {
      net?.dispose();
    }
  }
  function known(target, bytes) {
    try {
      good[target] = { bytes, want: probe(target, bytes) };
      return true;
    } catch {
      return false;
    }
  }
  function healthy(target) {
    const g = good[target];
    if (!g) return;
    let got;
    try {
      got = probe(target, g.bytes);
    } catch (e) {
      throw new Broken(`the module no longer works: a known-good ${target} input now fails: ${e.message}`);
    }
    if (!same(got, g.want)) throw new Broken(`the module no longer works: a known-good ${target} input now predicts ${got.slice(0, 3)}…, not ${g.want.slice(0, 3)}…`);
    const status = rawInit(new TextEncoder().encode(KNOWN_SPEC));
    if (status !== '') throw new Broken(`the module no longer works: the raw instance refuses a known-good spec: ${status}`);
  }

  return { bp, targets, known, healthy };
}
