import type { Client } from '@temporalio/client';
import { SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Logger } from '../src/log';
import { SEARCH_ATTRIBUTES } from '../src/temporal/names';

const INDEXED: Partial<Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType>> = {
  [SearchAttributeType.INT]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
};
const CLI_TYPE: Partial<Record<SearchAttributeType, string>> = { [SearchAttributeType.INT]: 'Int', [SearchAttributeType.KEYWORD]: 'Keyword' };
const KEYS = Object.values(SEARCH_ATTRIBUTES);

/** The commands an operator runs where the bridge may not register them itself (Temporal Cloud, no operator rights). */
export function registrationCommands(namespace: string): string[] {
  const cli = KEYS.map((k) => `--name ${k.name} --type ${CLI_TYPE[k.type]}`).join(' ');
  const tcld = KEYS.map((k) => `--sa '${k.name}=${CLI_TYPE[k.type]}'`).join(' ');
  return [`temporal operator search-attribute create --namespace ${namespace} ${cli}`, `tcld namespace search-attributes add --namespace ${namespace} ${tcld}`];
}

/** The attributes a missing or differently typed registration lacks (pure: the server's answer in, names out). */
export function missingAttributes(registered: Record<string, temporal.api.enums.v1.IndexedValueType>): { missing: string[]; mistyped: string[] } {
  const missing: string[] = [];
  const mistyped: string[] = [];
  for (const key of KEYS) {
    const have = registered[key.name];
    if (have === undefined) missing.push(key.name);
    else if (have !== INDEXED[key.type]) mistyped.push(key.name);
  }
  return { missing, mistyped };
}

/** gRPC ALREADY_EXISTS: another bridge registered them a moment ago. */
const ALREADY_EXISTS = 6;
const codeOf = (err: unknown) => (err as { code?: unknown }).code;

/**
 * Whether execution workflows may carry our search attributes. The bridge registers them itself where the server
 * allows it (dev server, self-hosted: the operator service), tolerating another bridge doing it at the same time.
 * Where it is refused (Temporal Cloud, no permission) it says once what to run and carries on without them: a
 * workflow started with, or upserting, an attribute the namespace does not know would fail. Until they are
 * there, each reconciler pass looks again (one list call), so registering them later needs no restart.
 */
export class SearchAttributes {
  private available = false;
  private warned = false;

  constructor(private readonly deps: { client: Client; namespace: string; log: Logger }) {}

  get ready(): boolean {
    return this.available;
  }

  /** Forget them (a start refused them: someone removed them); the next `ensure` looks again. */
  lost(): void {
    this.available = false;
  }

  async ensure(): Promise<boolean> {
    if (this.available) return true;
    const { client, namespace, log } = this.deps;
    try {
      const listed = await client.connection.operatorService.listSearchAttributes({ namespace });
      const { missing, mistyped } = missingAttributes({ ...listed.systemAttributes, ...listed.customAttributes });
      if (mistyped.length > 0) return this.refused(`registered with another type: ${mistyped.join(', ')}`);
      if (missing.length > 0) {
        const searchAttributes = Object.fromEntries(KEYS.filter((k) => missing.includes(k.name)).map((k) => [k.name, INDEXED[k.type]!]));
        try {
          await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
        } catch (err) {
          if (codeOf(err) !== ALREADY_EXISTS) throw err;
        }
        log.info({ namespace, added: missing }, 'search attributes registered');
      }
      this.available = true;
      if (this.warned) log.info({ namespace }, 'search attributes now available: new executions carry them');
      return true;
    } catch (err) {
      return this.refused(String((err as Error).message ?? err));
    }
  }

  private refused(why: string): false {
    if (!this.warned) {
      const [cli, tcld] = registrationCommands(this.deps.namespace);
      this.deps.log.warn(
        { namespace: this.deps.namespace, why, command: cli, cloudCommand: tcld },
        'search attributes could not be registered: executions run without them (not findable by AttuneExecutionId etc. in the Temporal UI). Register them once with the command given, or on Temporal Cloud with cloudCommand',
      );
      this.warned = true;
    }
    return false;
  }
}

/** Attune's action refs are `pack.action`. */
export const packOf = (actionRef: string): string | null => {
  const dot = actionRef.indexOf('.');
  return dot > 0 ? actionRef.slice(0, dot) : null;
};

/** What is known of an execution when its workflow starts: id, pool, and with a dispatch its action and pack. */
export function startAttributes(executionId: number, pool: string, actionRef: string | null): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: SEARCH_ATTRIBUTES.executionId, value: executionId },
    { key: SEARCH_ATTRIBUTES.pool, value: pool },
    { key: SEARCH_ATTRIBUTES.status, value: 'scheduled' },
  ];
  if (actionRef) {
    pairs.push({ key: SEARCH_ATTRIBUTES.actionRef, value: actionRef });
    const pack = packOf(actionRef);
    if (pack) pairs.push({ key: SEARCH_ATTRIBUTES.pack, value: pack });
  }
  return pairs;
}
