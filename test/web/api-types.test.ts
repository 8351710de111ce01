/**
 * The web client's types come from the server's OpenAPI document (#22): web/src/api-types.ts is what
 * openapi-typescript makes of the document the server serves now — a route or field added, renamed or
 * removed on the server without regenerating fails here (CI), and the views using the typed client
 * (web/src/client.ts) then fail the web typecheck.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { API_TYPES, generateApiTypes, openApiDocument } from '../../scripts/web-api-types.js';

test('web/src/api-types.ts is generated from the server as it is (run npx tsx scripts/web-api-types.ts)', async () => {
  const fresh = await generateApiTypes();
  const checkedIn = readFileSync(API_TYPES, 'utf8');
  assert.ok(fresh === checkedIn, 'web/src/api-types.ts is stale: run npx tsx scripts/web-api-types.ts and commit it');
  // it covers the document: every path the server serves is a key of `paths`
  const doc = await openApiDocument();
  const served = Object.keys(doc.paths as Record<string, unknown>);
  assert.ok(served.length > 80, `only ${served.length} paths`);
  for (const p of served) assert.ok(checkedIn.includes(`"${p}": {`), `${p} missing from the types`);
});
