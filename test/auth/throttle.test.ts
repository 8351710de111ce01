import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoginThrottle } from '../../src/auth/index.js';

test('blocks a key after the allowed failures until the window ends', () => {
  const th = createLoginThrottle({ maxAttempts: 3, windowSeconds: 60 });
  const keys = ['account:a', 'address:1.2.3.4'];
  for (let i = 0; i < 3; i++) {
    assert.equal(th.retryAfter(keys, 1000), 0);
    th.fail(keys, 1000);
  }
  assert.equal(th.retryAfter(keys, 1000), 60);
  assert.equal(th.retryAfter(['account:a'], 31_000), 30);
  assert.equal(th.retryAfter(keys, 61_001), 0);
});

test('a success clears the account but not the address', () => {
  const th = createLoginThrottle({ maxAttempts: 2, windowSeconds: 60 });
  th.fail(['account:a', 'address:x'], 0);
  th.succeed(['account:a', 'address:x']);
  th.fail(['account:b', 'address:x'], 0);
  assert.equal(th.retryAfter(['account:a'], 0), 0);
  assert.ok(th.retryAfter(['address:x'], 0) > 0);
});

test('the table is bounded: a flood of keys keeps at most maxKeys', () => {
  const th = createLoginThrottle({ maxAttempts: 1, windowSeconds: 60, maxKeys: 100 });
  for (let i = 0; i < 10_000; i++) th.fail([`account:${i}`], 0);
  assert.ok(th.retryAfter(['account:9999'], 0) > 0);
  assert.equal(th.retryAfter(['account:0'], 0), 0, 'the oldest keys were dropped');
});
