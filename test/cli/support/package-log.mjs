// Preloaded with `node --import` by the start-up tests: appends the name of
// every npm package the process resolves to the file named by
// $SWEEP_PACKAGE_LOG, one name per line.
import { register } from 'node:module';

register('./package-log-hooks.mjs', import.meta.url);
