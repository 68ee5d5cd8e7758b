#!/usr/bin/env node
import { createRequire } from 'node:module';

/**
 * `tcpchat`: runs the one script `npm run build` bundles, dist/tcpchat.cjs (src/build/bundle.ts).
 * No V8 code cache: one made by another Node build can crash V8, and with esbuild's bundle a cache
 * of our own saved no measurable start-up time (README, "How it is built").
 */
createRequire(import.meta.url)('../../tcpchat.cjs');
