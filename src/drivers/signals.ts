import { merge, Observable } from '../../streams/rx.js';

/** A process signal as a stream; while subscribed, the signal no longer kills the process. */
export function signal(name: NodeJS.Signals): Observable<NodeJS.Signals> {
  return new Observable<NodeJS.Signals>((subscriber) => {
    const handler = () => subscriber.next(name);
    process.on(name, handler);
    return () => process.off(name, handler);
  });
}

export function stopSignals(): Observable<NodeJS.Signals> {
  return merge(signal('SIGINT'), signal('SIGTERM'));
}
