// node-builtin.js: a Node built-in module ('worker_threads', 'fs/promises'), imported only where
// the code runs in Node. The name is put together at run time so that bundlers building for the
// browser leave the import alone: no "externalized for browser compatibility" warnings and no
// stub file in the app's build.
export const nodeBuiltin = (name) => import(/* @vite-ignore */ /* webpackIgnore: true */ `node:${name}`);
