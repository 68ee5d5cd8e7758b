/**
 * The parts of rxjs this project uses, each from its own module. In Node, `import 'rxjs'` loads
 * rxjs's CommonJS index, and with it every one of its ~220 modules; these need ~80. That is most
 * of the time `tcpchat serve` takes to start listening (bench: startup). Import rxjs through here,
 * adding an export below when you need another operator; its types all come through as they are.
 */
export type * from 'rxjs';
export { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
export { config } from 'rxjs/internal/config';
export { Observable } from 'rxjs/internal/Observable';
export { Subscription } from 'rxjs/internal/Subscription';
export { concat } from 'rxjs/internal/observable/concat';
export { defer } from 'rxjs/internal/observable/defer';
export { EMPTY } from 'rxjs/internal/observable/empty';
export { from } from 'rxjs/internal/observable/from';
export { fromEvent } from 'rxjs/internal/observable/fromEvent';
export { merge } from 'rxjs/internal/observable/merge';
export { NEVER } from 'rxjs/internal/observable/never';
export { of } from 'rxjs/internal/observable/of';
export { throwError } from 'rxjs/internal/observable/throwError';
export { timer } from 'rxjs/internal/observable/timer';
export { buffer } from 'rxjs/internal/operators/buffer';
export { catchError } from 'rxjs/internal/operators/catchError';
export { debounceTime } from 'rxjs/internal/operators/debounceTime';
export { endWith } from 'rxjs/internal/operators/endWith';
export { filter } from 'rxjs/internal/operators/filter';
export { map } from 'rxjs/internal/operators/map';
export { mergeMap } from 'rxjs/internal/operators/mergeMap';
export { scan } from 'rxjs/internal/operators/scan';
export { share } from 'rxjs/internal/operators/share';
export { startWith } from 'rxjs/internal/operators/startWith';
export { switchMap } from 'rxjs/internal/operators/switchMap';
export { take } from 'rxjs/internal/operators/take';
export { takeUntil } from 'rxjs/internal/operators/takeUntil';
export { takeWhile } from 'rxjs/internal/operators/takeWhile';
export { tap } from 'rxjs/internal/operators/tap';
export { asapScheduler } from 'rxjs/internal/scheduler/asap';
export { asyncScheduler } from 'rxjs/internal/scheduler/async';
export { Subject } from 'rxjs/internal/Subject';
