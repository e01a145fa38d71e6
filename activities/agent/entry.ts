import { ConfigError } from '../../src/errors';
import { runMain } from '../../src/lifecycle';
import { AGENT_VERSION } from '../../src/version';
import { takeLauncherSecrets } from './launcher-secrets';
import { reexecThroughLauncher } from './launcher-reexec';

/**
 * Main of the bundled agent (`attune-agent [--detect-only]`): only the agent, so the single-file
 * bundle carries neither the bridge nor the CLI. Modules load lazily so --detect-only and --version
 * stay quick.
 */
function main(argv: string[]): void {
  // Before anything else: started without the launcher but with credentials in the environment, become the
  // launcher (does not return when it can); then the launcher's pipe is read and closed (see launcher-secrets.ts).
  reexecThroughLauncher(argv);
  takeLauncherSecrets();
  const args = argv.filter((a) => a !== '--');
  if (args.includes('--version')) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('usage: attune-agent [--detect-only] [--user=UID:GID]\n');
    return;
  }
  const agentModules = () => Promise.all([import('../../src/config'), import('../../src/log'), import('./agent')]);
  if (args.includes('--warm-code-cache')) {
    // The bundle builder: load what a start loads, start nothing (src/bundle/agent-loader.ts writes the cache).
    void agentModules();
    return;
  }
  runMain(async (lifecycle) => {
    const unknown = args.filter((a) => a !== '--detect-only');
    if (unknown.length > 0) throw new ConfigError(`unknown argument ${unknown[0]} (usage: attune-agent [--detect-only])`);
    if (args.includes('--detect-only')) {
      const { detectOnly } = await import('./detect-only');
      return detectOnly();
    }
    const [{ loadAgentConfig }, { scopedLogger }, { runAgent }] = await agentModules();
    await runAgent(loadAgentConfig(), scopedLogger('agent'), lifecycle);
  });
}

main(process.argv.slice(2));
