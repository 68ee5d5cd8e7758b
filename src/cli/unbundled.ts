import { main } from './main.js';

/** The command line run from tsc's modules rather than the bundle: spec/e2e/bundle.spec.ts compares the two. */
main(process.argv.slice(2));
