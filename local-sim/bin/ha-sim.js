#!/usr/bin/env node
// Launcher for the ha-sim CLI: runs the TypeScript sources through tsx (no build step).
'use strict';
require('tsx/cjs');
const { main } = require('../src/cli.ts');
main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exit(code);
});
