import type { createRequire } from 'node:module';
import type { dirname, resolve } from 'node:path';
import type { pathToFileURL } from 'node:url';

/** Node's helpers the bundle's loader needs, and the folder its module paths are relative to. */
export interface BundleHost {
  readonly createRequire: typeof createRequire;
  readonly resolvePath: typeof resolve;
  readonly dirname: typeof dirname;
  readonly pathToFileURL: typeof pathToFileURL;
  readonly root: string;
}

/** What the bundle script evaluates to: a function that loads the CLI. */
export type Bundle = (host: BundleHost) => unknown;

/** Set for one run of bin.ts, it makes that run write the code cache when it exits. */
export const CACHE_WRITE_VARIABLE = 'TCPCHAT_WRITE_CODE_CACHE';
