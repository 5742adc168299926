#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader, so there is no build step
// to forget: `npm start` and `pmesh` always run what is checked out.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
