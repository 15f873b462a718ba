// notice.js: what the demo page and <backprop-demo> say when their Trainer replaced its worker
// (its 'restart' event, web/worker/trainer.js): what was kept and what was lost. Both show it in a
// notice that stays until the reader dismisses it (their status lines change every second).

/**
 * A restart event's detail in the words of t(): "the worker stopped (…). A new one resumed from
 * step 1,200, the last checkpoint: its weights, optimizer state and place in the data, and the
 * datasets train, test. Lost: 37 steps of training." The calls the worker never answered are the
 * page's own: it runs its fit again, and its periodic evaluations and checks come round again.
 */
export function restartText(t, { kept, lost, message }) {
  if (kept.step === null) return t('worker.restarted', { message });
  const steps = lost.steps === 1 ? t('worker.stepLost') : lost.steps ? t('worker.stepsLost', { n: lost.steps.toLocaleString() }) : t('worker.noneLost');
  return t('worker.resumed', {
    message, step: kept.step.toLocaleString(),
    data: kept.datasets.length ? t('worker.data', { names: kept.datasets.join(', ') }) : '',
    lost: steps,
  });
}
