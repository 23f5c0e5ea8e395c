#!/usr/bin/env node
// The `psirt` bin of the workspace: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
