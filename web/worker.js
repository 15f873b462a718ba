// worker.js: the module worker that owns the WASM module and one Session (web/session.js).
// Started by trainer({ worker: true }) (web/trainer.js); speaks web/protocol.js.
import { serve } from './session.js';

serve(self);
