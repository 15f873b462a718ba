// embed-button.js (demo): the "copy embed code" button. It writes the <backprop-demo> tag for the
// page's current settings (web/embed/embed-code.js) and for the copy of the package the author's
// site serves (the field beside it; ./backprop-wasm/ unless changed), copies it to the clipboard
// and shows it for copying by hand (clipboards need a secure context and a user's permission).
import { EMBED_BASE, embedCode } from '../embed/embed-code.js';
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

/** Adds the package's address, the button and the code box to hook; current() returns the page's settings. */
export function mountEmbedButton(hook, current) {
  const base = document.createElement('input');
  base.id = 'embed-base';
  base.type = 'text';
  base.size = 16;
  base.value = EMBED_BASE;
  base.title = t('demo.embedBase');
  base.dataset.i18nTitle = 'demo.embedBase';
  base.setAttribute('aria-label', t('demo.embedBase'));
  base.dataset.i18nAriaLabel = 'demo.embedBase';
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
    out.value = embedCode(embedSettings({ lang: getLang(), ...current() }), { base: base.value.trim() || EMBED_BASE });
    out.hidden = false;
    out.select();
    try {
      await navigator.clipboard.writeText(out.value);
      button.textContent = t('demo.copied');
    } catch {
      button.textContent = t('demo.copyByHand');
    }
  });
  hook.append(base, button, out);
}
