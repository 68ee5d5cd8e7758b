import { config } from '../../streams/rx.js';

/** An error no stream handled is a bug to report, never a reason to drop everyone's connection. */
export function reportUnhandledErrors(stderr: NodeJS.WritableStream): void {
  config.onUnhandledError = (error: unknown) => {
    stderr.write(`tcpchat: internal error (please report it): ${error instanceof Error ? error.message : String(error)}\n`);
  };
}
