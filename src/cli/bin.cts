#!/usr/bin/env node

/**
 * `tcpchat`: runs the one script `npm run build` bundles, dist/tcpchat.cjs (src/build/bundle.ts).
 * CommonJS, as the bundle is: an ES module here would start Node's ES module loader, some 10 % of a
 * bare `node` start, to load one CommonJS file.
 * No V8 code cache: one made by another Node build can crash V8, and with esbuild's bundle a cache
 * of our own saved no measurable start-up time (README, "How it is built").
 */
require('../../tcpchat.cjs');
