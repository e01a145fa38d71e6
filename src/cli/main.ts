#!/usr/bin/env node
import { Command } from 'commander';
import { loadAgentConfig, loadBridgeConfig, loadSubmitConfig } from '../config';
import { runMain } from '../lifecycle';
import { scopedLogger } from '../log';
import { AGENT_VERSION } from '../version';

const program = new Command('attune-temporal')
  .description('Run Attune executions as durable Temporal workflows on agents in any container image')
  .version(AGENT_VERSION);

program
  .command('bridge')
  .description('control plane: consume Attune dispatches, start workflows, write Attune rows and messages')
  .action(() =>
    runMain(async (lifecycle) => {
      const { runBridge } = await import('../../bridge/bridge');
      await runBridge(loadBridgeConfig(), scopedLogger('bridge'), lifecycle);
    }),
  );

program
  .command('agent')
  .description('run actions inside this image (needs only Temporal settings, a pool name and the packs dir)')
  .option('--detect-only', 'print the detected runtimes as JSON and exit')
  .action((opts: { detectOnly?: boolean }) =>
    runMain(async (lifecycle) => {
      if (opts.detectOnly) {
        const { detectOnly } = await import('../../activities/agent/detect-only');
        return detectOnly();
      }
      const { runAgent } = await import('../../activities/agent/agent');
      await runAgent(loadAgentConfig(), scopedLogger('agent'), lifecycle);
    }),
  );

program
  .command('bundle')
  .description('build the self-contained agent directory (node, C library, Temporal addon, launcher) and its tarballs')
  .option('--arch <arch>', 'x86_64 or aarch64 (default: this machine)')
  .option('--out <dir>', 'output directory', 'dist/agent-bundle')
  .option('--no-archive', 'only the directory: skip the .tar.gz / .tar.zst and their checksums')
  .action((opts: { arch?: string; out?: string; archive?: boolean }) =>
    runMain(async () => {
      const { bundleCommand } = await import('../bundle/command');
      await bundleCommand(opts);
    }),
  );

program
  .command('submit')
  .description('create an execution and dispatch it exactly as Attune\'s executor does')
  .argument('<action_ref>', 'e.g. demo.hello')
  .option('-p, --param <key=value...>', 'a parameter (value parsed as JSON when it is valid JSON)', [])
  .option('-w, --worker <name>', 'the worker (agent pool) to dispatch to; default: any fresh worker with the runtime')
  .option('-f, --follow', 'print status changes until the final result')
  .option('--timeout <seconds>', 'execution timeout_seconds')
  .action((actionRef: string, opts: { param: string[]; worker?: string; follow?: boolean; timeout?: string }) =>
    runMain(async () => {
      const { submit } = await import('./submit');
      await submit(loadSubmitConfig(), actionRef, opts);
    }),
  );

program
  .command('replay')
  .description('replay recorded workflow histories against this build (nondeterminism check before a deploy)')
  .argument('<paths...>', 'history JSON files or directories')
  .action((paths: string[]) =>
    runMain(async () => {
      const { replay } = await import('./replay');
      await replay(paths);
    }),
  );

program
  .command('dev')
  .description('start services, a bridge and one agent with the sample pack, then run a sample execution')
  .option('--keep', 'keep everything running after the sample execution')
  .action((opts: { keep?: boolean }) =>
    runMain(async () => {
      const { dev } = await import('./dev');
      await dev(opts);
    }),
  );

program.parse();
