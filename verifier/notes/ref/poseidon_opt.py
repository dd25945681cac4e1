"""Check SPEC §4.4: the optimized (neptune 'static') schedule with the vk's serialized constants equals the canonical
permutation. usage: python3 poseidon_opt.py VK.bin"""
import sys, random
from prims import Poseidon, Q, R
from parse import parse_vk

def perm_opt(s, k, p):
    m, crc, psm, sm = k['mds'][0], k['crc'], k['psm'], k['sm']
    t = len(s); s = [(s[i] + crc[i]) % p for i in range(t)]; off = t
    for rnd in range(4):
        s = [(pow(s[i], 5, p) + crc[off + i]) % p for i in range(t)]; off += t
        if rnd < 3: s = [sum(m[i][j] * s[j] for j in range(t)) % p for i in range(t)]
        else:       s = [sum(psm[i][j] * s[i] for i in range(t)) % p for j in range(t)]
    for kk in range(len(sm)):
        s[0] = (pow(s[0], 5, p) + crc[off]) % p; off += 1
        w_hat, v_rest = sm[kk]
        s0 = s[0]
        s = [sum(w_hat[i] * s[i] for i in range(t)) % p] + [(s[j] + v_rest[j - 1] * s0) % p for j in range(1, t)]
    for _ in range(3):
        s = [(pow(s[i], 5, p) + crc[off + i]) % p for i in range(t)]; off += t
        s = [sum(m[i][j] * s[j] for j in range(t)) % p for i in range(t)]
    s = [pow(x, 5, p) for x in s]
    s = [sum(m[i][j] * s[j] for j in range(t)) % p for i in range(t)]
    assert off == len(crc)
    return s

vk = parse_vk(open(sys.argv[1], 'rb').read())
for name, p in [('ro_consts_primary', Q), ('ro_consts_secondary', R)]:
    k = vk[name]['wide']; P = Poseidon(p, 25, 8, 59)
    for _ in range(3):
        s = [random.randrange(p) for _ in range(25)]
        assert perm_opt(s, k, p) == P.perm(s), name
    print(name, 'optimized == canonical: OK')
