#!/usr/bin/env node
// Entry point of the `sweep` command: TypeScript sources run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../coordinator/cli/main.ts');
