// The "node" entry: the whole API plus the Node-only helpers.
export * from './index.js';
export * from './node.js';
