/**
 * STIX patterns: the grammar of STIX 2.1 §9 is accepted in full (the spec's own examples), malformed
 * patterns are refused with STIX_PATTERN naming the position, address values are checked, and the
 * addresses ACD may adopt as criteria are read out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressPattern, addressTerms, parsePattern, quote, validatePattern, PatternError } from '../../src/intel/index.js';

const VALID = [
  "[ipv4-addr:value = '198.51.100.1/32']",
  "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
  "[domain-name:value = 'example.com'] AND [url:value MATCHES '^https?://example\\\\.com/']",
  "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
  "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
  "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '41.108.179.197' AND network-traffic:dst_port = 1177]",
  "([file:name = 'foo.dll'] AND [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
  "[network-traffic:src_port >= 1024 AND network-traffic:protocols[0] = 'tcp'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
  "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
  "[ipv4-addr:value NOT IN ('10.0.0.1', '10.0.0.2')] FOLLOWEDBY [artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=' OR artifact:payload_bin = h'0a0b']",
  "[process:name LIKE 'svch_st%' AND EXISTS process:pid AND process:is_hidden = true]",
  "[user-account:account_type = 'unix' AND (user-account:user_id = '1001' OR user-account:user_id = '1002')]",
  "[file:size > 1.5 AND file:name = 'it\\'s']",
];

test('patterns of the whole STIX 2.1 grammar are accepted', () => {
  for (const p of VALID) assert.doesNotThrow(() => validatePattern(p), p);
});

const MALFORMED: Array<[string, RegExp]> = [
  ['', /empty/],
  ["ipv4-addr:value = '1.2.3.4'", /expected "\[" to open an observation expression/],
  ["[ipv4-addr:value = '1.2.3.4'", /expected "\]"/],
  ["[ipv4-addr:value == '1.2.3.4']", /expected a literal value/],
  ["[ipv4-addr:value = '1.2.3.4]", /unterminated string literal/],
  ["[ipv4-addr:value = 1.2.3.4]", /expected a comparison operator|expected "\]"|expected AND/],
  ["[ipv4-addr value = '1.2.3.4']", /expected ":"/],
  ["[IPV4_ADDR:value = '1.2.3.4']", /object type "IPV4_ADDR"/],
  ["[ipv4-addr:value = '1.2.3.4'] and [ipv4-addr:value = '1.2.3.5']", /expected AND, OR, FOLLOWEDBY/],
  ["[ipv4-addr:value = '1.2.3.4'] WITHIN 0 SECONDS", /WITHIN needs a positive number/],
  ["[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS WITHIN 6 SECONDS", /more than one WITHIN/],
  ["[ipv4-addr:value = '1.2.3.4'] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", /STOP must be later than START/],
  ["[file:created = t'yesterday']", /timestamp literal/],
  ["[artifact:payload_bin = b'not base64!']", /base64/],
  ["[artifact:payload_bin = h'abc']", /even number of hex digits/],
  ["[file:name MATCHES '(unclosed']", /valid regular expression/],
  ["[file:name LIKE 5]", /LIKE needs a string literal/],
  ["[file:name = 'a\\x']", /bad escape/],
  ["[ipv4-addr:value = '999.1.1.1']", /not an IPv4 address or CIDR/],
  ["[ipv4-addr:value = '10.0.0.0/33']", /not an IPv4 address or CIDR/],
  ["[ipv6-addr:value = '10.0.0.1']", /not an IPv6 address or CIDR/],
  ["[network-traffic:dst_port = 70000]", /not a port/],
  ["[network-traffic:dst_port = '70000']", /not a port/],
  ["[network-traffic:dst_port = '44a']", /not a port/],
  ["[network-traffic:dst_port = '']", /not a port/],
  ["[ipv4-addr:value = '1.2.3.4'] ; drop table", /unexpected character/],
];

test('malformed patterns are refused with STIX_PATTERN and the position of the fault', () => {
  for (const [p, why] of MALFORMED) {
    assert.throws(() => validatePattern(p), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'STIX_PATTERN', p);
      assert.match(e.message, why, `${p}: ${e.message}`);
      return true;
    });
  }
  try {
    parsePattern("[ipv4-addr:value = '1.2.3.4'] XOR [x:y = 1]");
    assert.fail('accepted');
  } catch (e) {
    assert.ok(e instanceof PatternError);
    assert.equal(e.position, 30);
  }
});

test('the patterns ACD emits parse, and string literals are escaped', () => {
  assert.equal(addressPattern('41.108.179.197'), "[ipv4-addr:value = '41.108.179.197']");
  assert.equal(addressPattern('2001:db8::1'), "[ipv6-addr:value = '2001:db8::1']");
  const svc = addressPattern('41.108.179.197', { port: 1177, protocol: 'tcp' });
  assert.doesNotThrow(() => validatePattern(svc));
  assert.equal(quote("a'b\\c"), "'a\\'b\\\\c'");
  const ast = parsePattern(`[file:name = ${quote("a'b\\c")}]`);
  assert.equal(ast.kind === 'observation' && ast.comparison.kind === 'test' && !Array.isArray(ast.comparison.value) ? ast.comparison.value.value : null, "a'b\\c");
  assert.throws(() => addressPattern('example.com'), /not an IP address/);
});

test('addresses a pattern asserts are read out for candidate criteria; negations and other kinds are not', () => {
  assert.deepEqual(addressTerms(addressPattern('41.108.179.197', { port: 1177, protocol: 'tcp' })), [{ address: '41.108.179.197', port: 1177 }]);
  assert.deepEqual(addressTerms("[ipv4-addr:value IN ('198.51.100.0/24', '203.0.113.9')] OR [ipv6-addr:value = '2001:db8::/32']"), [
    { address: '198.51.100.0/24', port: null },
    { address: '203.0.113.9', port: null },
    { address: '2001:db8::/32', port: null },
  ]);
  assert.deepEqual(addressTerms("[ipv4-addr:value != '198.51.100.1']"), []);
  assert.deepEqual(addressTerms("[ipv4-addr:value NOT IN ('198.51.100.1')]"), []);
  assert.deepEqual(addressTerms("[domain-name:value = 'example.com']"), []);
});

test('a quoted port, as misp-stix writes it, is a port (the OASIS pattern validator accepts it)', () => {
  const misp = "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.7' AND network-traffic:dst_port = '4444']";
  assert.doesNotThrow(() => validatePattern(misp));
  assert.doesNotThrow(() => validatePattern("[network-traffic:dst_port = '4444']"));
  assert.deepEqual(addressTerms(misp), [{ address: '203.0.113.7', port: 4444 }]);
});
