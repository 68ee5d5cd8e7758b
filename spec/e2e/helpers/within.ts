/** Every wait in the e2e specs is bounded: on timeout the test fails saying what it waited for. */
export const WAIT_MS = 5000;

export function within<T>(promise: Promise<T>, what: string | (() => string), ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const described = typeof what === 'string' ? what : what();
      reject(new Error(`timed out after ${ms} ms waiting for ${described}`));
    }, ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
