#!/usr/bin/env node
// The ha-sim command: runs the compiled CLI with plain Node (no TypeScript at run time).
'use strict';
const { main } = require('../dist/cli.js');
main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exit(code);
});
