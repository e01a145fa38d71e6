import { loadAgentConfig } from '../../src/config';
import { detectRuntimes } from './detect';
import { imageEnvironment } from '../child-env';

/** `agent --detect-only`: the runtimes this image offers, as JSON, plus Attune's CSV line. */
export async function detectOnly(): Promise<void> {
  const config = loadAgentConfig();
  const detected = await detectRuntimes(imageEnvironment(process.env), config.runtimeOverride);
  process.stdout.write(`${JSON.stringify({ pool: config.pool, runtimes: detected }, null, 2)}\n`);
  process.stdout.write(`ATTUNE_WORKER_RUNTIMES=${detected.map((d) => d.name).join(',')}\n`);
}
