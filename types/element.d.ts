// <backprop-demo>: importing backprop-wasm/element defines the custom element.
import type { EmbedSettings, GradCheckReport, TrainerProgress } from './index.js';

export interface BackpropDemoEventMap extends HTMLElementEventMap {
  'backprop-progress': CustomEvent<TrainerProgress>;
  'backprop-gradcheck': CustomEvent<GradCheckReport>;
  'backprop-done': CustomEvent<{ loss: number; testAccuracy: number }>;
  'backprop-error': CustomEvent<{ message: string }>;
}

export class BackpropDemoElement extends HTMLElement {
  static readonly observedAttributes: string[];
  /** The settings read from the attributes. */
  readonly settings: EmbedSettings;
  /** 'idle' | 'loading' | 'training' | 'done' | 'error' */
  readonly state: string;
  /** Threads the last training ran on: 1 unless threads="2" and the page is cross-origin isolated. */
  readonly threads: number;
  /** Starts training now (the element also starts on click or when scrolled into view). */
  start(): Promise<void>;
  /** Stops training and frees the worker. */
  stop(): Promise<void>;
  addEventListener<K extends keyof BackpropDemoEventMap>(type: K, listener: (this: BackpropDemoElement, ev: BackpropDemoEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'backprop-demo': BackpropDemoElement;
  }
}
