#!/usr/bin/env node
// One bundled file set (esbuild at build time): loading ~80 separate modules cost a typed request
// about 25 ms of start-up (docs/decisions.md, "One bundle for the CLI").
import '../dist/cli-bundle/main.js';
