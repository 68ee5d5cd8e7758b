import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const e2eDir = fileURLToPath(new URL('./', import.meta.url));

interface GlobalConfig {
  readonly testPathPatterns?: { readonly patterns?: readonly string[] };
}

/**
 * The end-to-end specs run the built CLI, so build it once before the run. A run whose path
 * patterns select no e2e spec (`npm test -- spec/streams`) skips the build.
 */
export default function globalSetup(globalConfig: GlobalConfig): void {
  if (!selectsE2e(globalConfig.testPathPatterns?.patterns ?? [])) return;
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed, so the e2e specs cannot run:\n${stdout}${stderr}`);
  }
}

function selectsE2e(patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  // Recursive: spec/e2e/hardening/ and other folders hold e2e specs too.
  const specs = readdirSync(e2eDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.spec.ts'))
    .map((file) => `${e2eDir}${file}`);
  return patterns.some((pattern) => {
    const regex = new RegExp(pattern, 'i');
    return specs.some((spec) => regex.test(spec));
  });
}
