import { defaultExecutionTraceTag } from '../../src/attune/trace-tag';

/** Attune's own cases (crates/common/src/trace_tag.rs tests) and the normalisation rules they imply. */
describe("Attune's default execution trace tag", () => {
  it.each([
    ['Core.Echo', 'execution-core.echo-12345'],
    ['$$$', 'execution-unknown-12345'],
    ['my pack/do thing!', 'execution-my-pack-do-thing-12345'],
    ['a-$b', 'execution-a-b-12345'],
    ['--x--', 'execution-x-12345'],
    ['ünïcode_ok', 'execution-n-code_ok-12345'],
  ])('%s → %s', (ref, tag) => {
    expect(defaultExecutionTraceTag(ref, 12345)).toBe(tag);
  });

  it('cuts the component to 200 characters', () => {
    expect(defaultExecutionTraceTag('a'.repeat(300), 1)).toBe(`execution-${'a'.repeat(200)}-1`);
  });
});
