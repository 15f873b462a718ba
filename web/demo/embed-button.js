// embed-button.js (demo): the "copy embed code" button. It writes the <backprop-demo> tag for the
// page's current settings (web/embed/embed-code.js), copies it to the clipboard and shows it for
// copying by hand (clipboards need a secure context and a user's permission).
import { embedCode } from '../embed/embed-code.js';
import { presets } from '../core/presets.js';
import { getLang, t } from '../learn/i18n.js';

/** The page's settings { preset, spec, optimizer, batchSize, seed } -> the element's settings. */
export function embedSettings({ preset, spec, optimizer, batchSize, seed, pace = 0, lang = null }) {
  const lib = presets[preset];
  const same = lib && JSON.stringify(lib.spec.layers) === JSON.stringify(spec.layers);
  return {
    ...(same ? { preset } : { layers: spec.layers }),
    optimizer: optimizer.type, lr: optimizer.lr, batchSize, seed, panels: ['train', 'gradcheck', 'draw'],
    ...(pace > 0 ? { pace } : {}), ...(lang ? { lang } : {}),
  };
}

/** Adds the button (and the code box) to hook; current() returns the page's settings. */
export function mountEmbedButton(hook, current, options) {
  const button = document.createElement('button');
  button.id = 'embed-copy';
  button.type = 'button';
  button.textContent = t('demo.copyEmbed');
  button.dataset.i18n = 'demo.copyEmbed';
  const out = document.createElement('textarea');
  out.id = 'embed-code';
  out.readOnly = true;
  out.rows = 3;
  out.hidden = true;
  out.setAttribute('aria-label', t('demo.embedCode'));
  out.dataset.i18nAriaLabel = 'demo.embedCode';
  button.addEventListener('click', async () => {
    out.value = embedCode(embedSettings({ lang: getLang(), ...current() }), options);
    out.hidden = false;
    out.select();
    try {
      await navigator.clipboard.writeText(out.value);
      button.textContent = t('demo.copied');
    } catch {
      button.textContent = t('demo.copyByHand');
    }
  });
  hook.append(button, out);
}
