// client.js: the page's end of protocol.js. Wraps the worker in promise-returning requests,
// forwards events, and replaces a worker that dies (onerror or FATAL with restart).
import { EVT } from '../protocol.js';

export class TrainerClient {
  #worker = null;
  #pending = new Map();
  #nextId = 1;

  /** onEvent(type, data); onDeath(message) after the old worker is gone and a new one started. */
  constructor(url, { onEvent, onDeath }) {
    this.url = url;
    this.onEvent = onEvent;
    this.onDeath = onDeath;
    this.restarts = 0;
    this.#spawn();
  }

  #spawn() {
    const w = new Worker(this.url, { type: 'module' });
    w.onmessage = ({ data }) => {
      if (data.type === EVT.REPLY) {
        const p = this.#pending.get(data.id);
        this.#pending.delete(data.id);
        if (p) data.ok ? p.resolve(data.result) : p.reject(new Error(data.error));
      } else if (data.type === EVT.FATAL && data.restart) {
        this.#die(data.message);
      } else {
        this.onEvent(data.type, data);
      }
    };
    w.onerror = (e) => {
      e.preventDefault?.();
      this.#die(e.message || 'the worker failed to load');
    };
    this.#worker = w;
  }

  #die(message) {
    this.#worker?.terminate();
    for (const p of this.#pending.values()) p.reject(new Error(`worker died: ${message}`));
    this.#pending.clear();
    this.restarts++;
    this.#spawn();
    this.onDeath(message);
  }

  /** Sends { type, ...args }; resolves with the result or rejects with the worker's message. */
  request(type, args = {}, transfer = []) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ type, id, ...args }, transfer);
    });
  }

  /** For tests: kill the worker as a crash would. */
  crashForTest() {
    this.#die('terminated by test');
  }
}
