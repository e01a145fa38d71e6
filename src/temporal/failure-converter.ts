import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Moves failure messages and stack traces into an encoded payload so the codec encrypts them too (stderr
 * text in an error must not sit in plaintext in the history). Loaded by path into the workflow bundle.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
