// The float64 reference against the float32 one: proves dtype handling; the float64 gradient
// checks (test/nn/gradcheck.test.ts) are what prove the reference itself.
import { conformanceSuite } from './conformance-suite.js';
import { JsBackend } from '../../src/backend/js/index.js';
conformanceSuite('js-float64', async () => new JsBackend('float64'));
