// index.node.js: the package's "node" entry: the whole API plus the Node-only helpers of core/node.js.
export * from './index.js';
export * from './core/node.js';
