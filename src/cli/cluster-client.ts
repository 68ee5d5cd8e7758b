import { createRequire } from 'node:module';

/**
 * `redis` is an optional dependency, loaded only for `--cluster`: an install with
 * `--omit=optional` runs everything else. Without it, `serve --cluster` says so before it starts.
 */
export function missingClusterClient(): string | undefined {
  try {
    createRequire(import.meta.url).resolve('redis');
    return undefined;
  } catch {
    return '--cluster needs the redis package, which is not installed: install tcpchat without --omit=optional, or run npm install redis in its folder';
  }
}
