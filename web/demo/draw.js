// draw.js: the draw-a-digit pad. White strokes on black (as MNIST), read back as ink in [0,1],
// preprocessed the MNIST way (preprocess.js), shown at 28×28 beside the pad; onDigit(pixels)
// fires at most once per animation frame while drawing.
import { mnistPreprocess } from '../core/preprocess.js';

export class DrawPad {
  constructor(pad, preview, onDigit) {
    this.pad = pad;
    this.preview = preview;
    this.onDigit = onDigit;
    this.ctx = pad.getContext('2d', { willReadFrequently: true });
    this.clear();
    let last = null, queued = false;
    const pos = (e) => {
      const r = pad.getBoundingClientRect();
      return [((e.clientX - r.left) / r.width) * pad.width, ((e.clientY - r.top) / r.height) * pad.height];
    };
    const update = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; this.#emit(); });
    };
    pad.addEventListener('pointerdown', (e) => {
      pad.setPointerCapture?.(e.pointerId);
      last = pos(e);
      this.#line(last, last);
      update();
    });
    pad.addEventListener('pointermove', (e) => {
      if (!last) return;
      const p = pos(e);
      this.#line(last, p);
      last = p;
      update();
    });
    const up = () => { last = null; };
    pad.addEventListener('pointerup', up);
    pad.addEventListener('pointercancel', up);
  }

  #line(a, b) {
    const c = this.ctx;
    c.strokeStyle = '#fff';
    c.lineWidth = this.pad.width / 12;
    c.lineCap = c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(a[0], a[1]);
    c.lineTo(b[0], b[1]);
    c.stroke();
  }

  clear() {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.pad.width, this.pad.height);
    this.preview.getContext('2d').clearRect(0, 0, 28, 28);
    this.pixels = null;
  }

  #emit() {
    const { width: W, height: H } = this.pad;
    const rgba = this.ctx.getImageData(0, 0, W, H).data, ink = new Float32Array(W * H);
    for (let i = 0; i < W * H; i++) ink[i] = rgba[i * 4] / 255;
    const r = mnistPreprocess(ink, W, H);
    if (!r) return;
    this.pixels = r.pixels;
    const img = new ImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = 255 * r.pixels[i];
      img.data[i * 4 + 3] = 255;
    }
    this.preview.getContext('2d').putImageData(img, 0, 0);
    this.onDigit(r.pixels);
  }
}
