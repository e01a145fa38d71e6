/**
 * Stands in for @temporalio/worker's workflow bundler inside the agent bundle. The agent is an
 * activities-only Worker, yet @temporalio/worker requires the bundler (and with it webpack, memfs,
 * unionfs and swc) eagerly; replacing it keeps all of that out of the bundle and out of agent start.
 */
const NOT_IN_AGENT = 'the attune agent bundle runs activities only: workflow bundling is not included';

export const defaultWorkflowInterceptorModules: string[] = [];
export const allowedBuiltinModules: string[] = [];
export const disallowedBuiltinModules: string[] = [];
export const disallowedModules: string[] = [];

export function moduleMatches(): boolean {
  return false;
}

export class WorkflowCodeBundler {
  constructor() {
    throw new Error(NOT_IN_AGENT);
  }
}

export function bundleWorkflowCode(): Promise<never> {
  return Promise.reject(new Error(NOT_IN_AGENT));
}
