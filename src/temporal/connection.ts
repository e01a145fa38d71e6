import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { TemporalConfig } from '../config';

/** The worker-side connection (Rust core). */
export async function connectNative(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(config.connection);
}

/** A client over an existing native connection (agents, bridge) or a fresh one (CLI); `interceptors` e.g. carry trace context. */
export async function createClient(config: TemporalConfig, dataConverter: DataConverter, native?: NativeConnection, interceptors?: ClientInterceptors): Promise<Client> {
  const connection = native ?? (await Connection.connect(config.connection));
  return new Client({ connection, namespace: config.namespace, dataConverter, ...(interceptors ? { interceptors } : {}) });
}
