from prims import *
import re
kat = open(__import__('sys').argv[1] if len(__import__('sys').argv) > 1 else '../kat.txt').read()
PR = Poseidon(R, 25, 8, 59); PQ = Poseidon(Q, 25, 8, 59)
ok = True
for m in re.finditer(r'poseidon_(fr|fq) n=(\d+) in=1..n hash_le=([0-9a-f]+)', kat):
    P = PR if m.group(1) == 'fr' else PQ
    n = int(m.group(2))
    h = P.hash(list(range(1, n+1))).to_bytes(32, 'little').hex()
    print(m.group(1), n, h == m.group(3)); ok &= h == m.group(3)
h = PR.hash([7, 8, 9])
print('trunc250', trunc(h, 250).to_bytes(32,'little').hex() in kat, 'trunc128', trunc(h,128).to_bytes(32,'little').hex() in kat)
t = Transcript(b'KAT', R)
c0 = t.squeeze(b'c0'); t.absorb(b'a', fe_le(5)); t.absorb(b'v', fe_le(1) + fe_le(2)); c1 = t.squeeze(b'c1'); t.dom_sep(b'IPA'); c2 = t.squeeze(b'c2')
print('keccak e1', [fe_le(c).hex() in kat for c in (c0, c1, c2)])
t = Transcript(b'KAT', Q)
c0 = t.squeeze(b'c0'); t.absorb(b'a', fe_le(5)); c1 = t.squeeze(b'c1')
print('keccak e2', [fe_le(c).hex() in kat for c in (c0, c1)])
