import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { ConsistencyProofSchema, InclusionProofSchema, PublicKeySchema, TreeHeadSchema, consistencyProofToJson, inclusionProofToJson, treeHeadToJson } from '../../src/oversight/api-schemas.js';
import { createMerkleLog } from '../../src/oversight/log.js';
import { MemoryNodeStore } from '../../src/oversight/node-store.js';
import { generateLogKey, importVerifier } from '../../src/oversight/keys.js';
import { openTreeHead } from '../../src/oversight/tree-head.js';
import { hashLeaf } from '../../src/oversight/merkle.js';
import { verifyConsistency, verifyInclusion } from '../../src/oversight/proofs.js';

test('the API JSON of heads, proofs and the key matches its schemas and verifies after a round trip', async () => {
  const log = await createMerkleLog({ config: { headIntervalMs: 0 }, deps: { store: new MemoryNodeStore(), key: generateLogKey('acd.test/audit') } });
  const leaves = Array.from({ length: 11 }, (_, i) => hashLeaf(Buffer.from([i])));
  await log.tree.appendLeaves(leaves.slice(0, 6));
  const h6 = await log.signHead();
  await log.tree.appendLeaves(leaves.slice(6));
  const h11 = await log.signHead();
  const wire = JSON.parse(
    JSON.stringify({
      head: treeHeadToJson(h11),
      inclusion: inclusionProofToJson(4, 11, leaves[4]!, await log.inclusionProof(4)),
      consistency: consistencyProofToJson(6, 11, await log.consistencyProof(6, 11)),
      key: log.publicKey(),
    }),
  ) as Record<string, unknown>;
  assert.ok(Value.Check(TreeHeadSchema, wire.head));
  assert.ok(Value.Check(InclusionProofSchema, wire.inclusion));
  assert.ok(Value.Check(ConsistencyProofSchema, wire.consistency));
  assert.ok(Value.Check(PublicKeySchema, wire.key));
  // a client checks the head's note with the published key, then the proofs against it
  const head = openTreeHead((wire.head as { checkpoint: string }).checkpoint, importVerifier((wire.key as { vkey: string }).vkey));
  const inc = wire.inclusion as { leafHash: string; inclusionPath: string[] };
  assert.ok(verifyInclusion(Buffer.from(inc.leafHash, 'base64'), 4, 11, inc.inclusionPath.map((h) => Buffer.from(h, 'base64')), head.rootHash));
  const con = wire.consistency as { consistencyPath: string[] };
  assert.ok(verifyConsistency(6, 11, h6.rootHash, head.rootHash, con.consistencyPath.map((h) => Buffer.from(h, 'base64'))));
  assert.ok(!Value.Check(InclusionProofSchema, { ...(wire.inclusion as object), leafHash: 'not base64' }), 'a malformed hash is refused by the schema');
});
