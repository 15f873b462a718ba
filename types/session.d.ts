// backprop-wasm/web/worker/session.js: serve(port) answers the trainer protocol on a port of your own.

/** A worker scope, a MessagePort or Node's parentPort. */
export interface SessionPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  start?(): void;
}

/** Answers protocol messages on `port` with one Session; a Trainer made with { worker: port } is its client. */
export function serve(port: SessionPort): object;
