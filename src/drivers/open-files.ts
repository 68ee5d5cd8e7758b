import { readdirSync, readFileSync } from 'node:fs';

/**
 * The process's open-file limit (the soft RLIMIT_NOFILE, which Node raises to the hard limit as
 * it starts) and how many descriptors are open now, read from /proc on Linux; undefined where
 * /proc cannot tell.
 */
export function openFiles(): { readonly limit: number; readonly open: number } | undefined {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    if (soft === undefined || soft === 'unlimited') return undefined;
    return { limit: Number(soft), open: readdirSync('/proc/self/fd').length };
  } catch {
    return undefined;
  }
}
