#!/usr/bin/env node
/** The `rnnlab` command line: parsing and messages only; the work lives in the library. */
import { buildProgram } from './program.js';
import { endQuietlyOnClosedOutput } from './stdout.js';

endQuietlyOnClosedOutput();
await buildProgram().parseAsync(process.argv);
