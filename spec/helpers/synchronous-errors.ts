import { afterAll, beforeAll } from '@jest/globals';
import { config } from 'rxjs';

/**
 * For property tests: rxjs reports an exception thrown inside an operator later, on a timer;
 * within the calling describe block this makes it throw out of subscribe() instead, so that a
 * property fails on the input that caused it.
 */
export function throwOperatorErrorsSynchronously(): void {
  let previous: boolean;
  beforeAll(() => {
    previous = config.useDeprecatedSynchronousErrorHandling;
    config.useDeprecatedSynchronousErrorHandling = true;
  });
  afterAll(() => {
    config.useDeprecatedSynchronousErrorHandling = previous;
  });
}
