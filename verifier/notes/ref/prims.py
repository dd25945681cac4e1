# Reference primitives for the nova-snark 0.76 CompressedSNARK verifier spec (throwaway checker).
Q = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47  # BN254 base field = Grumpkin scalar
R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001  # BN254 scalar field = Grumpkin base

def inv(a, p): return pow(a % p, p - 2, p)

# ---------------- Keccak-256 (original padding 0x01) ----------------
RC = [0x0000000000000001,0x0000000000008082,0x800000000000808A,0x8000000080008000,0x000000000000808B,0x0000000080000001,
0x8000000080008081,0x8000000000008009,0x000000000000008A,0x0000000000000088,0x0000000080008009,0x000000008000000A,
0x000000008000808B,0x800000000000008B,0x8000000000008089,0x8000000000008003,0x8000000000008002,0x8000000000000080,
0x000000000000800A,0x800000008000000A,0x8000000080008081,0x8000000000008080,0x0000000080000001,0x8000000080008008]
ROT = [[0,36,3,41,18],[1,44,10,45,2],[62,6,43,15,61],[28,55,25,21,56],[27,20,39,8,14]]
M64 = (1<<64)-1
def rol(x,n): return ((x<<n)|(x>>(64-n))) & M64 if n else x
def keccak_f(A):
    for rnd in range(24):
        C = [A[x][0]^A[x][1]^A[x][2]^A[x][3]^A[x][4] for x in range(5)]
        D = [C[(x-1)%5]^rol(C[(x+1)%5],1) for x in range(5)]
        A = [[A[x][y]^D[x] for y in range(5)] for x in range(5)]
        B = [[0]*5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                B[y][(2*x+3*y)%5] = rol(A[x][y], ROT[x][y])
        A = [[B[x][y]^((~B[(x+1)%5][y])&B[(x+2)%5][y]) for y in range(5)] for x in range(5)]
        A[0][0] ^= RC[rnd]
    return A
def keccak256(data: bytes) -> bytes:
    rate = 136
    msg = bytearray(data); msg.append(0x01)
    while len(msg) % rate: msg.append(0)
    msg[-1] |= 0x80
    A = [[0]*5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        blk = msg[off:off+rate]
        for i in range(rate//8):
            x, y = i % 5, i // 5
            A[x][y] ^= int.from_bytes(blk[8*i:8*i+8], 'little')
        A = keccak_f(A)
    out = b''
    for i in range(4):
        x, y = i % 5, i // 5
        out += A[x][y].to_bytes(8, 'little')
    return out
assert keccak256(b'').hex() == 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'

def fe_le(x): return (x).to_bytes(32, 'little')

class Transcript:
    """Keccak256Transcript (non-evm): state 64 bytes, round u64, running buffer."""
    def __init__(self, label: bytes, p: int):
        self.p = p
        inp = b'NoTR' + label
        self.state = keccak256(inp + b'\x00') + keccak256(inp + b'\x01')
        self.round = 0
        self.buf = b''
    def absorb(self, label: bytes, data: bytes):
        self.buf += label + data
    def dom_sep(self, b: bytes):
        self.buf += b'NoDS' + b
    def squeeze(self, label: bytes) -> int:
        inp = self.buf + b'NoDS' + self.round.to_bytes(8, 'little') + self.state + label
        out = keccak256(inp + b'\x00') + keccak256(inp + b'\x01')
        self.round += 1
        self.state = out
        self.buf = b''
        return int.from_bytes(out, 'little') % self.p

# ---------------- Poseidon (neptune port inside nova-snark) ----------------
def grain_constants(p, field_size, t, rf, rp):
    bits = []
    def app(n, v):
        for i in reversed(range(n)): bits.append((v >> i) & 1)
    app(2, 1); app(4, 1); app(12, field_size); app(12, t); app(10, rf); app(10, rp); app(30, (1<<30)-1)
    st = bits[:]
    def gen():
        nb = st[62] ^ st[51] ^ st[38] ^ st[23] ^ st[13] ^ st[0]
        st.pop(0); st.append(nb); return nb
    for _ in range(160): gen()
    def nxt():
        b = gen()
        while not b:
            gen(); b = gen()
        return gen()
    out = []
    nbytes = 32
    rem = field_size % 8
    while len(out) < (rf + rp) * t:
        # first byte gets `rem` bits, then 31 full bytes, MSB-first; big-endian integer
        v = 0
        for _ in range(rem if rem else 8): v = (v << 1) | nxt()
        for _ in range(nbytes - 1):
            for _ in range(8): v = (v << 1) | nxt()
        if v < p: out.append(v)
    return out

class Poseidon:
    def __init__(self, p, t, rf=8, rp=None):
        self.p, self.t, self.rf = p, t, rf
        self.rp = rp
        self.rc = grain_constants(p, 254, t, rf, rp)
        self.mds = [[inv(i + (t + j), p) for j in range(t)] for i in range(t)]
    def perm(self, s):
        p, t = self.p, self.t
        s = s[:]
        for r in range(self.rf + self.rp):
            s = [(s[i] + self.rc[r*t+i]) % p for i in range(t)]
            if r < self.rf//2 or r >= self.rf//2 + self.rp:
                s = [pow(x, 5, p) for x in s]
            else:
                s[0] = pow(s[0], 5, p)
            s = [sum(self.mds[i][j]*s[j] for j in range(t)) % p for i in range(t)]
        return s
    def tag(self, n):
        x = (1 << 128) - 159
        m = 1 << 128
        return (x*((1<<31)+n) + x*x*1) % m
    def hash(self, elems):
        t = self.t; rate = t - 1
        s = [self.tag(len(elems))] + [0]*rate
        for k, e in enumerate(elems):
            if k > 0 and k % rate == 0: s = self.perm(s)
            s[1 + k % rate] = (s[1 + k % rate] + e) % self.p
        s = self.perm(s)
        return s[1]

def trunc(x, bits): return x & ((1 << bits) - 1)
