/**
 * Points the test harness (test/helpers/services.ts reads these at import) at the soak's own services; imported
 * first by run.ts, before anything of the harness.
 */
import { chaosUrls } from './services';

process.env.ATTUNE__DATABASE__URL = chaosUrls.database;
process.env.ATTUNE__MESSAGE_QUEUE__URL = chaosUrls.amqp;
process.env.TEMPORAL_ADDRESS = chaosUrls.temporal;
process.env.TEMPORAL_NAMESPACE = 'default';
