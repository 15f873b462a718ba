// lifetime.js: frees the WASM memory behind objects that were garbage-collected without
// dispose(), and warns once per kind in development (not when NODE_ENV is 'production').
// Users call dispose() (or `using`); this is the safety net, not the plan.

const production = typeof process !== 'undefined' && process.env?.NODE_ENV === 'production';
let warn = !production;

const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry(({ kind, handle }) => {
        if (warn)
          console.warn(`backprop-wasm: a ${kind} was garbage-collected without dispose(); call dispose() (or \`using\`) to free its WASM memory promptly`);
        try {
          handle.delete();
        } catch {
          // its module aborted and was replaced: nothing left to free
        }
      })
    : null;

/** Registers owner so that its Embind handle is freed (with a warning) if owner is collected undisposed. */
export function track(owner, handle, kind) {
  registry?.register(owner, { kind, handle }, owner);
}

/**
 * dispose(): frees owner's handle (if it still has one) and stops tracking it; returns null for the
 * owner's field. gone: the module it lived in aborted and was replaced (nothing left to free).
 */
export function release(owner, handle, gone = false) {
  if (handle) {
    registry?.unregister(owner);
    if (!gone) handle.delete();
  }
  return null;
}

/** Turns the leak warning on or off (the memory is freed either way). */
export function setLeakWarnings(on) {
  warn = Boolean(on);
}
