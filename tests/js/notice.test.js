// What the demo and <backprop-demo> say after their Trainer replaced a worker (web/embed/notice.js):
// what was kept (the step, weights, optimizer state, place in the data, the datasets) and what was
// lost (steps of training), in English and Chinese.
import { expect, it } from 'vitest';
import { restartText } from '../../web/embed/notice.js';
import { translator } from '../../web/learn/i18n.js';

const detail = (kept, lost) => ({ kept: { seen: 0, at: 0, ...kept }, lost, message: 'it sent nothing for 15.2 s' });

it('says what was kept and what was lost', async () => {
  const { t } = await translator('en');
  expect(restartText(t, detail({ step: 1200, datasets: ['train', 'test'] }, { steps: 37, calls: ['fit'] }))).toBe(
    'the worker stopped (it sent nothing for 15.2 s). A new one resumed from step 1,200, the last checkpoint: its weights, ' +
    'optimizer state and place in the data, and the datasets train, test. Lost: 37 steps of training.');
  expect(restartText(t, detail({ step: 5, datasets: [] }, { steps: 1, calls: ['gradCheck', 'fit', 'evaluate'] }))).toBe(
    'the worker stopped (it sent nothing for 15.2 s). A new one resumed from step 5, the last checkpoint: its weights, ' +
    'optimizer state and place in the data. Lost: 1 step of training.');
  expect(restartText(t, detail({ step: 0, datasets: [] }, { steps: 0, calls: [] }))).toMatch(/\. Lost: no training\.$/);
  expect(restartText(t, detail({ step: null, datasets: [] }, { steps: 0, calls: [] }))).toBe(
    'the worker stopped (it sent nothing for 15.2 s); started a new one and built the net again');
});

it('in Chinese too', async () => {
  expect(restartText((await translator('zh')).t, detail({ step: 1200, datasets: ['train'] }, { steps: 37, calls: [] }))).toBe(
    'worker 停止了 (it sent nothing for 15.2 s)。新的 worker 已从最近的检查点 (第 1,200 步) 恢复: 权重、优化器状态和数据中的位置, 以及数据集 train。丢失: 37 步训练。');
});
