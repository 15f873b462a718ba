// notice.js: what the demo page and <backprop-demo> say when their Trainer replaced its worker
// (its 'restart' event, web/worker/trainer.js): what was kept and what was lost. Both show it in a
// notice that stays until the reader dismisses it (their status lines change every second).

/** A restart event's detail in the words of t(): "the worker stopped (…); resumed from step 1,200, 37 steps lost". */
export function restartText(t, { kept, lost, message }) {
  if (kept.step === null) return t('worker.restarted', { message });
  const steps = lost.steps === 1 ? t('worker.stepLost') : t('worker.stepsLost', { n: lost.steps.toLocaleString() });
  return t('worker.resumed', { message, step: kept.step.toLocaleString(), lost: steps });
}
