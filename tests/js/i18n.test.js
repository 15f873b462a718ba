// The learn page's message tables: English and Chinese have the same keys and, per key, the same
// {placeholders}; every key the page asks for (t('...') in web/learn/*.js, and the keys it builds
// from the chapters, sizes, bugs and tensors) exists; t() leaves a {word} without a param alone.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import en from '../../web/learn/messages/en.js';
import zh from '../../web/learn/messages/zh.js';
import contentEn from '../../web/learn/content/en.js';
import contentZh from '../../web/learn/content/zh.js';
import { CHAPTERS, ORDER } from '../../web/learn/example.js';
import { format, translatorOf } from '../../web/learn/i18n.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../web/learn');
const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('learn message tables', () => {
  it('en and zh have the same keys', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });
  it('each key has the same {placeholders} in both languages', () => {
    for (const k of Object.keys(en)) expect(placeholders(zh[k] ?? ''), k).toEqual(placeholders(en[k]));
  });
  it('every literal t(...) key used in web/learn/*.js exists', () => {
    const used = new Set();
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const m of src.matchAll(/\bt\(\s*'([\w.-]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(20);
    for (const k of used) expect(en[k], k).toBeDefined();
  });
  it('every key the page builds exists (chapters, sizes, choices, bugs, tensors, bands)', () => {
    const keys = ORDER.map((id) => `chapter.${id}`);
    for (const [id, def] of Object.entries(CHAPTERS)) {
      for (const [name] of def.params) keys.push(id === 'pooling' && name === 's' ? 'size.poolStride' : `size.${{ in: 'inFeatures', out: 'outFeatures', n: 'samples', cin: 'inChannels', cout: 'outChannels', c: 'channels', h: 'height', w: 'width', k: 'kernel', s: 'stride', p: 'padding', size: 'poolSize' }[name]}`);
      if (def.choice) for (const o of def.choice[1]) keys.push(`${{ loss: 'loss', pool: 'pool', act: 'act' }[def.choice[0]]}.${o}`);
      const p = {};
      for (const o of def.choice?.[1] ?? [null]) for (const b of def.bugs({ ...p, [def.choice?.[0]]: o })) keys.push(`bug.${b}`);
    }
    for (const tname of ['input', 'inputPadded', 'weight', 'bias', 'alpha', 'output', 'probs', 'onehot', 'targets', 'dOutput', 'deltaDilated', 'deltaPadded', 'weightRot180', 'argmax', 'scale', 'derivative', 'dWeight', 'dBias', 'dAlpha', 'dInputPadded', 'dInput'])
      keys.push(`tensor.${tname}`, `tex.${tname}`);
    for (const b of ['good', 'fine', 'suspicious', 'wrong', 'kinked']) keys.push(`band.${b}`, `band.${b}.hint`);
    for (const k of keys) expect(en[k], k).toBeDefined();
  });
  it('every chapter has its text in both languages, the same sections and bugs', () => {
    for (const id of ORDER) {
      for (const c of [contentEn, contentZh]) {
        expect(c[id]?.title, id).toBeTruthy();
        expect(c[id].summary, id).toBeTruthy();
      }
      expect(contentZh[id].sections.length, id).toBe(contentEn[id].sections.length);
      expect(Object.keys(contentZh[id].bugs ?? {}).sort(), id).toEqual(Object.keys(contentEn[id].bugs ?? {}).sort());
      expect(Object.keys(contentZh[id].notes ?? {}).sort(), id).toEqual(Object.keys(contentEn[id].notes ?? {}).sort());
    }
  });
  it('t() fills params and leaves a {word} without a param alone', () => {
    expect(format('\\mathrm{rot}_{180}', {})).toBe('\\mathrm{rot}_{180}');
    expect(format('{count} of {total}', { count: 2 })).toBe('2 of {total}');
    const { t } = translatorOf('en', { messages: en, content: contentEn });
    expect(t('tex.weightRot180')).toBe(en['tex.weightRot180']);
    expect(t('no.such.key')).toBe('no.such.key');
  });
});
