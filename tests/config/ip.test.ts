// lib/config/ip.ts against node:net's isIP, which it stands in for: the same answer on addresses, near-misses
// and seeded random strings of the characters addresses are made of.
import { isIP as nodeIsIP } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { isIP } from '../../lib/config/ip.ts'

const CASES = ['192.168.50.10', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '']
  .concat(['::', '::1', 'fe80::1%eth0', '2001:db8::8a2e:370:7334', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9'])
  .concat(['::ffff:192.168.1.1', '1::2::3', 'g::1', ' 1.2.3.4', '1.2.3.4 ', 'localhost', '::%', '1:2:3:4:5:6:1.2.3.4'])

test('named cases: the same as node:net', () => {
  for (const c of CASES) assert.is(isIP(c), nodeIsIP(c), JSON.stringify(c))
  assert.is(isIP('198.18.50.11'), 4)
  assert.is(isIP('fe80::1'), 6)
})

test('seeded random strings of address characters: the same as node:net', () => {
  let seed = 7
  const r = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x80000000
  }
  const alphabet = '0123456789abcdefABCDEFg.:%-'
  let six = 0
  for (let n = 0; n < 50_000; n++) {
    const base = r() < 0.5 ? '1.22.255.0' : 'fe80::a:1:2.3.4.5'
    let s = ''
    for (const ch of base) if (r() > 0.1) s += r() < 0.15 ? alphabet[Math.floor(r() * alphabet.length)] : ch
    const want = nodeIsIP(s)
    if (want === 6) six++
    assert.is(isIP(s), want, JSON.stringify(s))
  }
  assert.ok(six > 100, `only ${six} IPv6 addresses among the random strings`)
})

test.run()
