// The native backend against the reference on random shapes, every op, with one and two
// threads. No skip: CI builds the addon (npm ci runs scripts/build-native.mjs), so a missing
// or unloadable addon fails here with the reason.
import { conformanceSuite } from './conformance-suite.js';
import { createNativeBackend } from '../../src/backend/native/index.js';

conformanceSuite('native-1t', () => createNativeBackend({ threads: 1 }));
conformanceSuite('native-2t', () => createNativeBackend({ threads: 2 }));
