import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { newEnvelope } from '../../src/attune/envelope';
import { ensureAction } from '../../src/demo/sample-pack';
import { TestDeployment, eventually, executorDispatch, insertScheduledExecution } from '../helpers/deployment';
import { cancelKey, dispatchKey, expectNoSecretLeaked, expectStillServing, workflowResult } from '../helpers/hostile';

/**
 * Hostile inputs against one deployment (issue 10, deliver 6). Every case ends in a clear error on the execution or
 * a message parked with its reason, runs nothing it should not, and leaves the bridge consuming and the next
 * execution fine; no secret reaches a log, a row, the bus or a history.
 *
 * | case of the issue                                        | covered by |
 * |----------------------------------------------------------|------------|
 * | malformed AMQP body                                      | execution-lifecycle "dead-letters a malformed message…"; here: truncated, invalid UTF-8 |
 * | oversized (10 MB) body                                   | here: 10 MB of garbage parked; a 10 MB dispatch runs; unstorable-results: the broker's 406 |
 * | envelope missing fields                                  | here: no timestamp, no message_type, no payload, a dispatch without action_ref, a cancel without worker_id |
 * | dispatch for a non-existent execution                    | here |
 * | dispatch for another worker                              | here |
 * | dispatch with a mismatched release digest                | here |
 * | entrypoint with `../`, absolute, symlink out of the pack | here (a symlink inside the pack still runs) |
 * | execution env vars with invalid names / `ATTUNE_*`       | here; not an object of strings: here |
 * | shell metacharacters and newlines in parameters          | here: stdin and file × json, dotenv, yaml, and the inline wrapper's PARAM_* variables |
 * | `__proto__` / `constructor` keys                         | here: parameters, output, out_schema secret paths, a secret parameter's pointer; unit: own-keys, result-redaction, storable-json, hostile-fuzz |
 * | NUL, invalid UTF-8, lone surrogates in stdout/stderr/JSON| unstorable-results (NUL in stdout, `\u0000` and `\ud800` in JSON); here: raw bytes in stdout, stderr and JSON |
 * | a secret echoed in the output                            | secrets "output that may echo a secret parameter…" (stdout, error), "a secret in the output (out_schema…)" |
 * | an action searching /proc/*\/environ, cmdline, fd        | rootfs/secrets "finds them in no /proc entry…" (needs the launcher) |
 * | fuzzing: envelope, output parsers, pointers, redaction   | unit: hostile-fuzz, own-keys, result-redaction, storable-json |
 */
const SECRET = 's3cr3t-p@ss';
const vectors = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'vectors', 'attune-crypto.json'), 'utf8')) as { vectors: { value: unknown; encrypted_value: string }[] };
const FORMATS = ['json', 'dotenv', 'yaml'] as const;
const DELIVERIES = ['stdin', 'file'] as const;

describe('hostile inputs', () => {
  const d = new TestDeployment();
  const pwned = path.join(d.markerDir, 'pwned');
  const evil = path.join(d.dir, 'evil.sh');
  const touched: number[] = [];
  const rowsSeen: unknown[] = [];
  const ran = (id: number) => d.runsRecorded().includes(String(id)) || existsSync(path.join(d.markerDir, `evil.${id}`));
  const finished = async (id: number) => {
    touched.push(id);
    const row = await d.waitForCompletion(id, 30_000);
    rowsSeen.push(row);
    return row;
  };

  beforeAll(async () => {
    await d.setup();
    for (const delivery of DELIVERIES) {
      for (const format of FORMATS) await ensureAction(d.db, { ref: `tests.dump_${delivery}_${format}`, entrypoint: 'dump_params.sh', runtime: 'shell', parameterDelivery: delivery, parameterFormat: format });
    }
    await ensureAction(d.db, { ref: 'tests.wrapper_params', entrypoint: 'printf "%s\\0%s\\0%s" "$cmd" "$PARAM_NL" "$a_b" > "$MARKER_DIR/inline.$ATTUNE_EXEC_ID"', runtime: 'shell' });
    await ensureAction(d.db, { ref: 'tests.env_names', entrypoint: 'env_names.sh', runtime: 'shell' });
    await ensureAction(d.db, { ref: 'tests.bad_bytes', entrypoint: 'bad_bytes.sh', runtime: 'shell' });
    await ensureAction(d.db, { ref: 'tests.bad_bytes_json', entrypoint: 'bad_bytes_json.sh', runtime: 'shell', outputFormat: 'json' });
    await ensureAction(d.db, { ref: 'tests.proto_out', entrypoint: 'proto_out.sh', runtime: 'shell', outputFormat: 'json' });
    // Files outside the pack that an entrypoint may name; running one leaves a marker.
    writeFileSync(evil, '#!/bin/sh\ntouch "$MARKER_DIR/evil.$ATTUNE_EXEC_ID"\n');
    chmodSync(evil, 0o755);
    writeFileSync(path.join(d.packsDir, 'outside.sh'), readFileSync(evil));
    symlinkSync(evil, path.join(d.packsDir, 'tests', 'actions', 'escape_link.sh'));
    symlinkSync('ok_json.sh', path.join(d.packsDir, 'tests', 'actions', 'inside_link.sh'));
    await ensureAction(d.db, { ref: 'tests.escape_dotdot', entrypoint: '../../outside.sh', runtime: 'shell' });
    await ensureAction(d.db, { ref: 'tests.escape_absolute', entrypoint: evil, runtime: 'shell' });
    await ensureAction(d.db, { ref: 'tests.escape_link', entrypoint: 'escape_link.sh', runtime: 'shell' });
    await ensureAction(d.db, { ref: 'tests.inside_link', entrypoint: 'inside_link.sh', runtime: 'shell', outputFormat: 'json' });
  }, 120_000);

  afterAll(async () => {
    expect(existsSync(pwned)).toBe(false);
    await d.teardown();
  });

  it('AMQP bodies that are no envelope, or one missing a field, are parked with their reasons; a 10 MB dispatch still runs', async () => {
    const ghost = 1;
    const valid = JSON.stringify(d.dispatchEnvelope(ghost, 'tests.ok_json'));
    const without = (field: string) => {
      const e = d.dispatchEnvelope(ghost, 'tests.ok_json') as unknown as Record<string, unknown>;
      delete e[field];
      return e;
    };
    const dispatchWithout = (field: string) => {
      const e = d.dispatchEnvelope(ghost, 'tests.ok_json');
      delete (e.payload as Record<string, unknown>)[field];
      return e;
    };
    const bodies: [string, Buffer | object, string | RegExp][] = [
      [dispatchKey(d), Buffer.from(valid.slice(0, valid.length >> 1)), /^body is not JSON/],
      [dispatchKey(d), Buffer.concat([Buffer.from('{"message_type":"ExecutionRequested","x":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"')]), /^body is not JSON/],
      [dispatchKey(d), Buffer.alloc(10 * 1024 * 1024, 'x'), /^body is not JSON/],
      [dispatchKey(d), without('timestamp'), /^not an Attune envelope: timestamp/],
      [dispatchKey(d), without('message_type'), /^not an Attune envelope: message_type/],
      [dispatchKey(d), without('payload'), /^invalid ExecutionRequested payload/],
      [dispatchKey(d), dispatchWithout('action_ref'), /^invalid ExecutionRequested payload: action_ref/],
      [cancelKey(d), newEnvelope('ExecutionCancelRequested', { execution_id: ghost }, 'api-service'), /^invalid ExecutionCancelRequested payload: worker_id/],
      [cancelKey(d), Buffer.from('[]'), /^not an Attune envelope/],
    ];
    for (const [key, body] of bodies) await d.publish(key, body);

    // A 10 MB dispatch of a real execution: the executor's config copy is ignored (the row's is used), so it runs.
    const big = await d.createExecution('tests.ok_json', { small: true });
    await d.publish(dispatchKey(d), executorDispatch(big, d.workerId, 'tests.ok_json', { padding: 'p'.repeat(10 * 1024 * 1024) }));
    const row = await finished(big);
    expect(row.status).toBe('completed');
    expect(row.result!.data).toMatchObject({ params: { small: true } });

    const parked: { reason: string; body: string }[] = [];
    await eventually(async () => {
      parked.push(...(await d.parked()));
      return parked.length >= bodies.length ? true : undefined;
    }, 30_000, 'every hostile message parked');
    expect(parked).toHaveLength(bodies.length);
    const reasons = parked.map((p) => p.reason);
    for (const [, , reason] of bodies) expect(reasons).toContainEqual(typeof reason === 'string' ? reason : expect.stringMatching(reason));
    expect(parked.some((p) => p.body.length === 10 * 1024 * 1024)).toBe(true);
    expect(ran(ghost)).toBe(false);
    await expectStillServing(d);
  }, 60_000);

  it('a dispatch for an execution that does not exist runs nothing and writes no row', async () => {
    const ghost = (await d.createExecution('tests.ok_json')) + 1_000_000;
    await d.publish(dispatchKey(d), executorDispatch(ghost, d.workerId, 'tests.ok_json'));
    touched.push(ghost);
    expect(await workflowResult(d, ghost)).toMatchObject({ status: 'missing', applied: false });
    expect((await d.db.query(`SELECT id FROM execution WHERE id = $1`, [ghost])).rows).toEqual([]);
    expect(d.messagesFor(ghost)).toEqual([]);
    expect(ran(ghost)).toBe(false);
    await expectStillServing(d);
  });

  it("a dispatch of another worker's execution runs nothing and leaves its row alone", async () => {
    const { rows } = await d.db.query<{ id: string }>(`INSERT INTO worker (name, worker_type, worker_role, status) VALUES ($1, 'container', 'action', 'active') RETURNING id`, [`${d.pool}-other`]);
    const other = Number(rows[0]!.id);
    const id = await insertScheduledExecution(d.db, 'tests.ok_json', {}, other);
    await d.publish(dispatchKey(d), executorDispatch(id, d.workerId, 'tests.ok_json'));
    touched.push(id);
    expect(await workflowResult(d, id)).toMatchObject({ status: 'scheduled', applied: false });
    const after = await d.db.query<{ status: string; worker: string }>(`SELECT status, worker FROM execution WHERE id = $1`, [id]);
    expect(after.rows[0]).toEqual({ status: 'scheduled', worker: String(other) });
    expect(d.messagesFor(id)).toEqual([]);
    expect(ran(id)).toBe(false);
    await expectStillServing(d);
  });

  it('a dispatch whose release digest is not the pinned one fails the execution before anything runs', async () => {
    const id = await d.createExecution('tests.ok_json');
    await d.pinRelease(id, 'ab'.repeat(32));
    await d.dispatchExisting(id, 'tests.ok_json', 'cd'.repeat(32));
    const row = await finished(id);
    expect(row.status).toBe('failed');
    expect(row.result!.error).toBe(`Execution ${id} release identity in MQ does not match its durable snapshot`);
    expect(row.started_at).toBeNull();
    expect(ran(id)).toBe(false);
    await expectStillServing(d);
  });

  it.each([
    ['`../` out of the pack', 'tests.escape_dotdot', 'outside.sh'],
    ['an absolute path', 'tests.escape_absolute', 'evil.sh'],
    ['a symlink out of the pack', 'tests.escape_link', 'evil.sh'],
  ])('an entrypoint naming a file outside its pack (%s) fails clearly, nothing run', async (_name, ref, file) => {
    const id = await d.dispatch(ref);
    const row = await finished(id);
    expect(row.status).toBe('failed');
    expect(row.result!.error).toMatch(new RegExp(`^Action execution failed: Internal error: Invalid action: entrypoint '.+' of action '${ref.replace('.', '\\.')}' resolves to .+/${file}, outside its pack directory .+/tests$`));
    expect(ran(id)).toBe(false);
    await expectStillServing(d);
  });

  it('a symlink that stays inside the pack runs', async () => {
    const row = await finished(await d.dispatch('tests.inside_link', { via: 'link' }));
    expect(row.status).toBe('completed');
    expect(row.result!.data).toMatchObject({ ok: true, params: { via: 'link' } });
  });

  it('execution env_vars: invalid names and the reserved ATTUNE_* space are dropped, the rest reaches the action', async () => {
    const id = await d.createExecution('tests.env_names');
    const envVars = { GOOD: '1', '1BAD': 'x', 'A=B': 'y', '': 'z', ATTUNE_EXEC_ID: 'bad', ATTUNE_API_URL: 'http://evil.example', ATTUNE_TEMPORAL_CODEC_KEYS: 'k:x', TEMPORAL_ADDRESS: 'elsewhere:7233' };
    await d.db.query(`UPDATE execution SET env_vars = $2 WHERE id = $1`, [id, JSON.stringify(envVars)]);
    await d.publish(dispatchKey(d), d.dispatchEnvelope(id, 'tests.env_names'));
    const row = await finished(id);
    expect(row.status).toBe('completed');
    expect(row.result!.stdout).toBe(`ATTUNE_API_URL=http://127.0.0.1:8080\nATTUNE_EXEC_ID=${id}\nGOOD=1\nTEMPORAL_ADDRESS=elsewhere:7233\n`);

    const notStrings = await d.createExecution('tests.env_names');
    await d.db.query(`UPDATE execution SET env_vars = '{"N": 1}'::jsonb WHERE id = $1`, [notStrings]);
    await d.publish(dispatchKey(d), d.dispatchEnvelope(notStrings, 'tests.env_names'));
    const refused = await finished(notStrings);
    expect(refused.status).toBe('failed');
    expect(refused.result!.error).toBe('Failed to prepare execution context: Validation error: Execution env_vars must be an object with string values');
    await expectStillServing(d);
  });

  it('parameters with shell metacharacters and newlines arrive intact in every delivery and format, running nothing', async () => {
    const values = {
      cmd: `$(touch ${pwned})`,
      tick: `\`touch ${pwned}\``,
      quote: `'; touch ${pwned}; echo '`,
      nl: `line1\nINJECTED=1\n$(touch ${pwned})\n`,
      meta: 'a;b|c&d>e<f*?[x]~{y} \\ "q" #',
    };
    const structured = { ...values, 'k;touch x': { '- y': '*alias', '&a': '!!python/object', ': z': null }, list: ['$(id)', 1, true] };
    for (const delivery of DELIVERIES) {
      for (const format of FORMATS) {
        const params = format === 'dotenv' ? values : structured;
        const id = await d.dispatch(`tests.dump_${delivery}_${format}`, params);
        expect((await finished(id)).status).toBe('completed');
        const raw = readFileSync(path.join(d.markerDir, `params.${id}`), 'utf8');
        if (format === 'json') expect(JSON.parse(raw)).toEqual(params);
        if (format === 'yaml') expect(parseYaml(raw)).toEqual(params);
        if (format === 'dotenv') {
          // Sourced by a shell, as an action may: every value comes back as it was, nothing is executed.
          const names = Object.keys(values);
          const out = execFileSync('sh', ['-c', `. "$1"; printf '%s\\0' ${names.map((n) => `"$${n}"`).join(' ')}`, 'sh', path.join(d.markerDir, `params.${id}`)]).toString();
          expect(out.split('\0').slice(0, -1)).toEqual(Object.values(values));
        }
      }
    }
    // The inline wrapper (inject_shell_helpers): a key of metacharacters becomes an identifier, values stay quoted.
    const id = await d.dispatch('tests.wrapper_params', { cmd: values.cmd, nl: values.nl, 'a;b': values.quote });
    expect((await finished(id)).status).toBe('completed');
    expect(readFileSync(path.join(d.markerDir, `inline.${id}`), 'utf8').split('\0')).toEqual([values.cmd, values.nl, values.quote]);
    expect(existsSync(pwned)).toBe(false);
    await expectStillServing(d);
  });

  it('__proto__ / constructor keys in parameters, output, out_schema secret paths and a secret pointer stay own keys', async () => {
    await d.db.query(`UPDATE action SET out_schema = $1 WHERE ref = 'tests.proto_out'`, [
      '{"__proto__": {"properties": {"toString": {"secret": true}}}, "constructor": {"properties": {"prototype": {"properties": {"polluted": {"secret": true}}}}}}',
    ]);
    const out = await finished(await d.dispatch('tests.proto_out'));
    expect(out.status).toBe('completed');
    const marker = { $attune_secret: true, redacted: true };
    expect(out.result!.data).toEqual(JSON.parse(`{"__proto__":{"toString":${JSON.stringify(marker)},"polluted":"yes"},"constructor":{"prototype":{"polluted":${JSON.stringify(marker)}}},"ok":true}`));
    expect(Object.hasOwn(out.result!.data as object, '__proto__')).toBe(true);

    // A secret parameter whose pointer walks __proto__, among parameters named after prototype members.
    const config = JSON.parse('{"__proto__": {"password": {"$attune_secret": true, "redacted": true}, "x": 1}, "constructor": {"prototype": {"polluted": "yes"}}, "toString": "t"}') as Record<string, unknown>;
    const id = await d.createExecution('tests.dump_stdin_json', config);
    await d.addSecretParameter(id, '/__proto__/password', vectors.vectors.find((v) => v.value === SECRET)!.encrypted_value);
    await d.publish(dispatchKey(d), d.dispatchEnvelope(id, 'tests.dump_stdin_json'));
    expect((await finished(id)).status).toBe('completed');
    const received = JSON.parse(readFileSync(path.join(d.markerDir, `params.${id}`), 'utf8')) as Record<string, unknown>;
    expect(received).toEqual(JSON.parse('{"__proto__":{"password":"s3cr3t-p@ss","x":1},"constructor":{"prototype":{"polluted":"yes"}},"toString":"t"}'));
    expect(Object.hasOwn(received, '__proto__')).toBe(true);
    await expectStillServing(d);
  });

  it("an out_schema secret path naming an array's `length` (JSON lines output) is no member: the completion goes through", async () => {
    await d.db.query(`UPDATE action SET out_schema = '{"length": {"secret": true}, "0": {"secret": true}}'::jsonb WHERE ref = 'tests.jsonl_out'`);
    const row = await finished(await d.dispatch('tests.jsonl_out'));
    expect(row.status).toBe('completed');
    expect(row.result!.data).toEqual([{ $attune_secret: true, redacted: true }, { n: 2 }]);
    await expectStillServing(d);
  });

  it('NUL, invalid UTF-8 and lone surrogates as raw bytes in stdout, stderr and JSON output are stored as U+FFFD', async () => {
    const text = await finished(await d.dispatch('tests.bad_bytes'));
    expect(text.status).toBe('failed');
    expect(text.result).toMatchObject({ exit_code: 3, stdout: 'a\ufffdb\ufffdc\ufffd\ufffd\ufffdd' });
    expect(text.result!.error).toContain('e\ufffdf\ufffdg\ufffd\ufffd\ufffdh');
    const json = await finished(await d.dispatch('tests.bad_bytes_json'));
    expect(json.status).toBe('completed');
    expect(json.result!.data).toEqual({ s: 'x\ufffdy', 'k\ufffd\ufffd\ufffd': 'z', n: 1 });
    await expectStillServing(d);
  });

  it('left no secret in any log, row, bus message or history', async () => {
    const { rows } = await d.db.query(`SELECT id, status, result, env_vars FROM execution`);
    expectNoSecretLeaked(d, touched, [...rowsSeen, ...rows], [SECRET]);
  });
});
