"""Writes the compact Poseidon tables `fr.bin` / `fq.bin` from nova's serialized `PoseidonConstantsCircuit`.

Input: the bincode (legacy) bytes of `ro_consts_secondary` (over Fr) or `ro_consts_primary` (over Fq) of a nova-snark
0.76.0 VerifierKey (SPEC §10). Only the wide (t = 25) constants are kept, as LE32 canonical elements:
`crc` (259) ‖ `psm` (25 × 25, row-major) ‖ for each of the 59 sparse matrices `w_hat` (25) ‖ `v_rest` (24).
The MDS matrix is not stored: the verifier recomputes it as the Cauchy matrix 1/(i + j + 25).

usage: python3 extract.py RO_CONSTS.bin OUT.bin
"""
import struct, sys

b = open(sys.argv[1], 'rb').read()
o = 0
def u64():
    global o
    v = struct.unpack_from('<Q', b, o)[0]; o += 8; return v
def fe():
    global o
    v = b[o:o + 32]; o += 32; return v
def vec(f): return [f() for _ in range(u64())]
mats = [vec(lambda: vec(fe)) for _ in range(6)]
crc = vec(fe)
psm = vec(lambda: vec(fe))
sm = vec(lambda: (vec(fe), vec(fe)))
assert (len(crc), len(psm), len(sm)) == (259, 25, 59)
out = b''.join(crc) + b''.join(x for row in psm for x in row) + b''.join(b''.join(w) + b''.join(v) for w, v in sm)
assert len(out) == 32 * (259 + 625 + 59 * 49)
m = mats[0]
open(sys.argv[2], 'wb').write(out)
print(sys.argv[2], len(out), 'bytes; m[0][0] =', m[0][0][::-1].hex())
