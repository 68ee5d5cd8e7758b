/**
 * Why the native module `name` (better-sqlite3) could not be loaded, in one sentence, or undefined
 * when `error` is not that. Node says it over five lines; the usual cause is a module built by
 * one Node and run by another (nvm, a system Node upgraded), which rebuilding it mends.
 */
export function nativeModuleFailure(error: unknown, name: string): string | undefined {
  if ((error as { code?: unknown } | null)?.code !== 'ERR_DLOPEN_FAILED') return undefined;
  const rebuild = `run npm rebuild ${name} where tcpchat is installed`;
  const message = error instanceof Error ? error.message : String(error);
  const versions = /NODE_MODULE_VERSION (\d+)[\s\S]*NODE_MODULE_VERSION (\d+)/.exec(message);
  if (versions) return `${name} was built for another Node (module version ${versions[1]}, this one is ${versions[2]}); ${rebuild}`;
  return `${name} cannot be loaded (${oneLine(message)}); ${rebuild}`;
}

/** A message of several lines as one. */
export const oneLine = (text: string): string => text.trim().replace(/\s*\n\s*/g, ' ');
