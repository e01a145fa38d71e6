import amqp from 'amqplib';
import { Client } from 'pg';
import { Connection } from '@temporalio/client';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SERVICES } from './services';
import { markRunStarted } from './run-started';

/** Fails fast, naming the missing piece, when the real services or the build are not there. */
export default async function globalSetup(): Promise<void> {
  markRunStarted();
  if (!existsSync(path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (scripts/test.sh does) before the e2e tests');
  }
  const pg = new Client({ connectionString: SERVICES.databaseUrl });
  await pg.connect().catch((err: Error) => {
    throw new Error(`PostgreSQL is not reachable at ${SERVICES.databaseUrl} (run scripts/services.sh up): ${err.message}`);
  });
  await pg.end();
  const mq = await amqp.connect(SERVICES.amqpUrl).catch((err: Error) => {
    throw new Error(`RabbitMQ is not reachable at ${SERVICES.amqpUrl} (run scripts/services.sh up): ${err.message}`);
  });
  await mq.close();
  const temporal = await Connection.connect({ address: SERVICES.temporalAddress, connectTimeout: 5000 }).catch((err: Error) => {
    throw new Error(`Temporal is not reachable at ${SERVICES.temporalAddress} (run scripts/services.sh up): ${err.message}`);
  });
  await temporal.close();
}
