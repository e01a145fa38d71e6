import path from 'node:path';
import type { Plugin } from 'esbuild';
import { AGENT_MAIN } from './code-cache';

/** Where the agent bundle finds the Temporal native module, relative to agent.js. */
export const NATIVE_ADDON_RELATIVE = 'addon/core-bridge.node';

/**
 * Keeps the agent's start lean and self-contained:
 *  - @temporalio/worker's workflow bundler (webpack, memfs, unionfs, swc) → a stub that throws;
 *  - @temporalio/core-bridge's prebuild lookup → the one addon the bundle ships next to agent.js.
 */
function agentOnlyPlugin(): Plugin {
  return {
    name: 'attune-agent-only',
    setup(build) {
      build.onResolve({ filter: /\/workflow\/bundler$/ }, (args) =>
        args.importer.includes(`${path.sep}@temporalio${path.sep}worker${path.sep}`) ? { path: path.join(__dirname, 'workflow-bundler-stub.js') } : undefined,
      );
      build.onLoad({ filter: /@temporalio[\\/]core-bridge[\\/]common\.js$/ }, () => ({
        loader: 'js',
        contents: `
          const path = require('node:path');
          class PrebuildError extends Error { constructor(m) { super(m); this.name = 'PrebuildError'; } }
          function getPrebuiltPath() { return path.join(__dirname, ${JSON.stringify(NATIVE_ADDON_RELATIVE)}); }
          function getPrebuiltTargetName() { return process.arch === 'arm64' ? 'aarch64-unknown-linux-gnu' : 'x86_64-unknown-linux-gnu'; }
          module.exports = { targets: [], archAlias: {}, platformMapping: {}, PrebuildError, getPrebuiltPath, getPrebuiltTargetName };`,
      }));
      // The addon is loaded at run time from the bundle directory, never inlined.
      build.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, external: true }));
    },
  };
}

export interface AgentJsResult {
  bytes: number;
  inputs: number;
}

/** Bundles the agent (dist/activities/agent/entry.js and everything it reaches) into one CJS file, agent-main.js, and its loader agent.js. */
export async function buildAgentJs(outDir: string, nodeMajor: number): Promise<AgentJsResult> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: {
      // agent.js compiles agent-main.js with the bundle's V8 code cache (agent-loader.ts).
      agent: path.join(__dirname, 'agent-loader.js'),
      [AGENT_MAIN.replace(/\.js$/, '')]: path.join(__dirname, '..', '..', 'activities', 'agent', 'entry.js'),
      // Temporal loads the failure converter by path (DataConverter.failureConverterPath, resolved
      // with require.resolve('./failure-converter')): it must exist as a file next to agent.js.
      'failure-converter': path.join(__dirname, '..', 'temporal', 'failure-converter.js'),
    },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${nodeMajor}`,
    minify: true,
    keepNames: true, // Temporal and our errors are matched by class name
    legalComments: 'linked',
    metafile: true,
    logLevel: 'error',
    plugins: [agentOnlyPlugin()],
  });
  const outputs = Object.values(result.metafile.outputs);
  return { bytes: outputs.reduce((n, o) => n + o.bytes, 0), inputs: Object.keys(result.metafile.inputs).length };
}
