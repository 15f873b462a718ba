// <backprop-demo>: importing backprop-wasm/element defines the custom element.
import type { EmbedSettings, GradCheckReport, TrainerProgress, TrainerRestart } from './index.js';

export interface BackpropDemoEventMap extends HTMLElementEventMap {
  'backprop-progress': CustomEvent<TrainerProgress>;
  'backprop-gradcheck': CustomEvent<GradCheckReport>;
  'backprop-done': CustomEvent<{ loss: number; testAccuracy: number }>;
  'backprop-error': CustomEvent<{ message: string }>;
  /** Its worker died and a new one resumed training from the last checkpoint (the Trainer's restart detail). */
  'backprop-restart': CustomEvent<TrainerRestart>;
  /** lesson="...": the chapter is drawn. */
  'backprop-lesson': CustomEvent<{ chapter: string; lang: 'en' | 'zh' }>;
}

/** The lesson a lesson="<chapter>" element mounted (web/learn/lesson.js). */
export interface MountedLesson {
  readonly el: HTMLElement;
  /** The chapter's live state: { ready, chapter, lang, params, trace, grids, ... }. */
  readonly state: { ready: boolean; chapter: string; lang: string; params: Record<string, unknown> | null; [k: string]: unknown };
  /** Resolves when drawn and typeset. */
  readonly ready: Promise<void>;
  /** New settings (the chapter's sizes, seed, bug), as learn.html's hash holds them. */
  update(params: Record<string, string | number>): Promise<void>;
  destroy(): void;
}

export class BackpropDemoElement extends HTMLElement {
  static readonly observedAttributes: string[];
  /** The settings read from the attributes. */
  readonly settings: EmbedSettings;
  /** 'idle' | 'loading' | 'training' | 'done' | 'error' (also: an attribute's value is not valid); with lesson=: 'loading' | 'ready' | 'error' */
  readonly state: string;
  /** With lesson="<chapter>": the mounted lesson; otherwise null. */
  readonly lesson: MountedLesson | null;
  /** Threads the last training ran on: 1 unless threads="2" and the page is cross-origin isolated. */
  readonly threads: number;
  /** The heading's words: "Training tiny-cnn on MNIST (adam, lr 0.003)", or the net's layers for layers=. */
  readonly heading: string;
  /** The "break it" switch's teaching bug ('none': off). */
  readonly bug: string;
  /** Turns on a teaching bug in the gradient check's float64 twin (one this net runs through; 'none' turns it off) and checks again. Training is not affected. */
  breakIt(bug?: string): Promise<void>;
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
