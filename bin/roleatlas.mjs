#!/usr/bin/env node
// The command line runs the TypeScript sources through tsx, so it works right after `npm ci`
// with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src-main/cli/run.ts');
