// `node --import multikernel/register …`: TypeScript for a user's own process, as the cores have it.
//
// Importing this module registers, in the importing thread, the module hooks every core's worker
// registers before it loads a domain (platform/program/loader-hooks.ts: a .ts file's types stripped
// by sucrase, its lines kept; `./x.js` written in a .ts file meaning `./x.ts`; `import`/`export`
// in a .js file of a CommonJS project loaded as an ES module) and turns source maps on. So
// `node --import multikernel/register --test test/counter.test.ts` runs a test written in
// TypeScript that imports the project's .ts domain and interface, on Node 20, with nothing else
// installed (node's test runner passes --import on to each test file's process). It is its own
// entry point (package.json's "exports": "./register"), with a row of its own in
// test/layering.test.ts.

import { prepareProgramLoading } from "./platform/program/program-loader.js";

prepareProgramLoading();
