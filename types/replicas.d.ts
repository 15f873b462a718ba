// backprop-wasm/web/worker/replicas.js: data-parallel training on helper workers (docs/parallel.md).
import type { Dataset, FitChunk, FitConfig, Net } from './index.js';

export class ReplicaGroup {
  private constructor();
  /** True where SharedArrayBuffer works (a cross-origin isolated page, a worker of one, or Node). */
  static supported(): boolean;
  /** threads − 1 helper workers, each with a copy of `net` and `dataset`; `net` stays replica 0. */
  static start(net: Net, dataset: Dataset, options?: { threads?: number; maxBatch?: number }): Promise<ReplicaGroup>;
  readonly net: Net;
  readonly dataset: Dataset;
  readonly threads: number;
  readonly maxBatch: number;
  /** k steps on the next batches of net.fit's order (blocks in Atomics.wait: call it in a worker or Node). */
  run(k: number, config?: FitConfig): FitChunk;
  /** One step on the samples `indices`; the batch's mean loss. */
  step(indices: Uint32Array): number;
  /** After changing replica 0 other than by a step (weights, optimizer). */
  invalidate(): void;
  /** Every helper's parameters equal replica 0's, byte for byte. */
  identical(): Promise<boolean>;
  /** Where replica 0's step time went since the last reset. */
  stats(options?: { reset?: boolean }): { steps: number; stepMs: number; ownMs: number; waitMs: number; helperMs: number[] };
  pause(): void;
  terminate(): void;
}
