// The embed's DOM-free helpers: settings <-> attributes <-> URL hash and the tag it writes
// (web/embed-code.js), the demo's settings -> embed settings (web/demo/embed-button.js), the
// bundled MNIST subset format (web/mnist-subset.js). Drawn digits use the demo's
// mnistPreprocess (web/demo/preprocess.js), tested with the demo.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { embedCode, layersFromText, layersToText, settingsFromAttributes, settingsFromHash, settingsToHash, shortSettings } from '../../web/embed/embed-code.js';
import { decodeMnistSubset, encodeMnistSubset } from '../../web/core/mnist-subset.js';
import { BackpropError } from '../../web/core/errors.js';
import { embedSettings } from '../../web/demo/embed-button.js';
import { presets } from '../../web/core/presets.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('embed code', () => {
  const settings = { preset: 'mnist-cnn', layers: [{ type: 'dense', units: 10 }], optimizer: 'adam', lr: 0.001, batchSize: 16, seed: 7, panels: ['train', 'draw'] };

  it('writes the script tag and the element with the attributes that differ from the defaults', () => {
    expect(embedCode(settings, { base: 'https://cdn.example/backprop-wasm/' })).toBe(
      '<script type="module" src="https://cdn.example/backprop-wasm/dist/element.js"></script>\n' +
        '<backprop-demo preset="mnist-cnn" layers="dense units=10" lr="0.001" seed="7" panels="train,draw"></backprop-demo>',
    );
  });

  it('names a preset instead of its layers, and leaves out what the element uses anyway', () => {
    const tiny = presets['tiny-cnn'];
    const all = { layers: tiny.spec.layers, optimizer: 'adam', lr: tiny.spec.optimizer.lr, batchSize: tiny.fit.batchSize, seed: 1, epochs: 1, panels: ['train', 'gradcheck'], speed: 'watch', theme: 'auto' };
    expect(shortSettings(all)).toEqual({ preset: 'tiny-cnn' });
    expect(shortSettings({ ...all, optimizer: 'sgd', lr: 0.1 })).toEqual({ preset: 'tiny-cnn', optimizer: 'sgd', lr: 0.1 });
    expect(shortSettings({ ...all, lr: 0.01, epochs: 3 })).toEqual({ preset: 'tiny-cnn', lr: 0.01, epochs: 3 });
    // a lesson keeps every setting it has
    expect(shortSettings({ lesson: 'pooling', seed: 1 })).toEqual({ lesson: 'pooling', seed: 1 });
  });

  it('writes a layer list as "type key=value, ..." and reads it back (and JSON)', () => {
    const layers = [{ type: 'conv2d', filters: 8, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'leaky_relu', slope: 0.01 }, { type: 'flatten' }, { type: 'dense', units: 10 }];
    expect(layersToText(layers)).toBe('conv2d filters=8 kernel=3 padding=1, relu, leaky_relu slope=0.01, flatten, dense units=10');
    expect(layersFromText(layersToText(layers))).toEqual(layers);
    expect(layersFromText(JSON.stringify(layers))).toEqual(layers);
    expect(() => settingsFromAttributes((a) => (a === 'layers' ? 'dense units 10' : null))).toThrow(
      new BackpropError('backprop-demo: attribute layers="dense units 10" is not valid ("units" in "dense units 10" is not key=value)'));
  });

  it('points at a copy the site serves, ./backprop-wasm/ beside the post, unless given a base: never a CDN', () => {
    expect(embedCode({ preset: 'mlp' })).toBe('<script type="module" src="./backprop-wasm/dist/element.js"></script>\n<backprop-demo preset="mlp"></backprop-demo>');
    expect(embedCode({ preset: 'mlp' }, { iframe: true })).toBe(
      '<iframe src="./backprop-wasm/web/embed/embed.html#preset=mlp" width="720" height="560" style="border:0" loading="lazy" title="backprop-wasm demo"></iframe>',
    );
    expect(embedCode({ preset: 'mlp' }, { base: '/static/bp' })).toMatch(/^<script type="module" src="\/static\/bp\/dist\/element\.js">/);
  });

  it('round-trips settings through the embed.html hash, and writes the iframe', () => {
    const hash = settingsToHash(settings);
    expect(hash).toBe('preset=mnist-cnn&layers=dense+units%3D10&optimizer=adam&lr=0.001&batch-size=16&seed=7&panels=train%2Cdraw');
    expect(settingsFromHash(`#${hash}`)).toEqual(settings);
    expect(embedCode({ preset: 'mlp', epochs: 3 }, { base: 'https://x.org/bp', iframe: true })).toBe(
      '<iframe src="https://x.org/bp/web/embed/embed.html#preset=mlp&amp;epochs=3" width="720" height="560" style="border:0" loading="lazy" title="backprop-wasm demo"></iframe>',
    );
  });

  it("turns the demo's settings into the element's: a library preset by name, other nets by their layers", () => {
    const optimizer = { type: 'adam', lr: 0.003, decay: 0 };
    const tiny = { preset: 'tiny-cnn', spec: presets['tiny-cnn'].spec, optimizer, batchSize: 16, seed: 2 };
    expect(embedSettings(tiny)).toEqual({ preset: 'tiny-cnn', optimizer: 'adam', lr: 0.003, batchSize: 16, seed: 2, panels: ['train', 'gradcheck', 'draw'] });
    const layers = [{ type: 'dense', units: 32 }, { type: 'relu' }, { type: 'dense', units: 10 }];
    expect(embedSettings({ ...tiny, preset: 'custom', spec: { input: [784], layers } })).toMatchObject({ layers, optimizer: 'adam' });
    expect(embedSettings({ ...tiny, spec: { input: [1, 28, 28], layers } }).preset).toBeUndefined(); // edited preset
  });

  it('names the attribute when its value is not valid, and an unknown choice with the known ones', () => {
    const only = (name, value) => (a) => (a === name ? value : null);
    expect(() => settingsFromAttributes(only('layers', '[{type:dense}]'))).toThrow(/^backprop-demo: attribute layers="\[\{type:dense\}\]" is not valid/);
    expect(() => settingsFromAttributes(only('lr', 'fast'))).toThrow(new BackpropError('backprop-demo: attribute lr="fast" is not valid (not a number)'));
    expect(() => settingsFromAttributes(only('panels', 'train,gradchek'))).toThrow(new BackpropError('backprop-demo: unknown panel "gradchek" (known: train, gradcheck, draw)'));
    expect(() => settingsFromAttributes(only('preset', 'lenet'))).toThrow(new BackpropError('backprop-demo: unknown preset "lenet" (known: derivation-cnn, tiny-cnn, mnist-cnn, mnist-cnn-race, mlp)'));
    expect(() => settingsFromAttributes(only('speed', 'slow'))).toThrow(new BackpropError('backprop-demo: unknown speed "slow" (known: watch, fast)'));
    expect(() => settingsFromAttributes(only('theme', 'blue'))).toThrow(new BackpropError('backprop-demo: unknown theme "blue" (known: auto, light, dark)'));
    expect(() => settingsFromAttributes(only('optimizer', 'adamw'))).toThrow(new BackpropError('backprop-demo: unknown optimizer "adamw" (known: sgd, adagrad, rmsprop, adadelta, adam)'));
  });

  it("names an unknown language, lesson, loss, pool or activation with the known ones; the known ones read as given", () => {
    const only = (name, value) => (a) => (a === name ? value : null);
    expect(() => settingsFromAttributes(only('lang', 'fr'))).toThrow(new BackpropError('backprop-demo: unknown language "fr" (known: en, zh)'));
    expect(() => settingsFromAttributes(only('lesson', 'convs'))).toThrow(new BackpropError(
      'backprop-demo: unknown lesson "convs" (known: fc-loss, conv-single, conv-multichannel, conv-stride, conv-padding, pooling, activations, optimizers, network)'));
    expect(() => settingsFromAttributes(only('loss', 'l1'))).toThrow(new BackpropError('backprop-demo: unknown loss "l1" (known: softmax_cross_entropy, mse)'));
    expect(() => settingsFromAttributes(only('pool', 'minpool'))).toThrow(new BackpropError('backprop-demo: unknown pool "minpool" (known: maxpool2d, avgpool2d, globalmaxpool, globalavgpool)'));
    expect(() => settingsFromAttributes(only('act', 'gelu'))).toThrow(new BackpropError('backprop-demo: unknown activation "gelu" (known: relu, leaky_relu, prelu, elu, selu, sigmoid, tanh)'));
    const given = { lang: 'zh', lesson: 'activations', act: 'elu', loss: 'mse', pool: 'avgpool2d' };
    expect(settingsFromAttributes((a) => given[a] ?? null)).toEqual(given);
    // the embed.html hash is read the same way
    expect(() => settingsFromHash('#lesson=pooling&pool=minpool')).toThrow(new BackpropError('backprop-demo: unknown pool "minpool" (known: maxpool2d, avgpool2d, globalmaxpool, globalavgpool)'));
  });
});

describe('bundled MNIST subset', () => {
  it('keeps labels exactly and pixels to within 8 grey levels (4-bit)', () => {
    const train = { images: Uint8Array.from({ length: 3 * 784 }, (_, i) => (i * 37) % 256), labels: new Uint8Array([1, 2, 3]) };
    const test = { images: Uint8Array.from({ length: 784 }, (_, i) => 255 - (i % 256)), labels: new Uint8Array([9]) };
    const bytes = encodeMnistSubset(train, test);
    expect(bytes.length).toBe(24 + (4 * 784) / 2 + 4);
    const d = decodeMnistSubset(bytes);
    expect(d.train.count).toBe(3);
    expect(d.test.shape).toEqual([1, 28, 28]);
    expect(Array.from(d.train.labels)).toEqual([1, 2, 3]);
    expect(Array.from(d.test.labels)).toEqual([9]);
    const maxErr = Math.max(...Array.from(train.images, (v, i) => Math.abs(v - d.train.images[i])));
    expect(maxErr).toBeLessThanOrEqual(8);
    expect(d.test.images[0]).toBe(255);
  });

  it('refuses a bad file with a clear message', () => {
    const bytes = encodeMnistSubset({ images: new Uint8Array(784), labels: new Uint8Array([0]) }, { images: new Uint8Array(784), labels: new Uint8Array([0]) });
    expect(() => decodeMnistSubset(bytes.subarray(0, 10))).toThrow(new BackpropError('mnist subset: 10 bytes is too short for its header'));
    expect(() => decodeMnistSubset(bytes.subarray(0, 100))).toThrow(new BackpropError('mnist subset: 100 bytes, header says 810'));
    const bad = bytes.slice();
    bad[0] = 0x41;
    expect(() => decodeMnistSubset(bad)).toThrow(/bad magic/);
    const badLabel = bytes.slice();
    badLabel[badLabel.length - 1] = 12;
    expect(() => decodeMnistSubset(badLabel)).toThrow(new BackpropError('mnist subset: label 12 at index 1 is not a digit 0-9'));
  });

  it('dist/mnist-subset.bin holds the first 2,000 train and 500 test images', () => {
    const d = decodeMnistSubset(readFileSync(join(root, 'dist/mnist-subset.bin')));
    expect([d.train.count, d.test.count]).toEqual([2000, 500]);
    expect(Array.from(d.train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]); // MNIST's first training labels
  });
});
