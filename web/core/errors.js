// errors.js: the one place a C++ status becomes a JS error.
// C++ returns "" for ok or a message that names the layer and the bad value.

export class BackpropError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BackpropError';
  }
}

/** Throws BackpropError(message) when a C++ call returned a non-empty status. */
export function check(status) {
  if (status) throw new BackpropError(status);
}
