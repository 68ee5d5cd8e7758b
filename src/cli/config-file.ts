import type { OptionFiles } from './option-files.js';

/**
 * `--config FILE` (or `TCPCHAT_CONFIG`): one JSON object of options named as on the command line,
 * `{"port": 3000, "idle-timeout": "5m", "allow": ["10.0.0.0/8"]}`. yargs applies it below the
 * flags and the environment and above the defaults, and strict parsing refuses a key that names
 * no option of the command.
 */
export function readConfigFile(files: OptionFiles, file: string): Record<string, unknown> {
  const text = files.read('--config', file);
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text around the fault, newlines and all: the sentence stays on one line.
    const why = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
    return files.refuse(`--config ${file} is not JSON (${why})`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return files.refuse(`--config ${file} must hold one JSON object of options, like {"port": 3000}`);
  }
  return config as Record<string, unknown>;
}
