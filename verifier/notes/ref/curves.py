from prims import Q, R, inv

def sqrt_mod(a, p):
    a %= p
    if a == 0: return 0
    if pow(a, (p-1)//2, p) != 1: return None
    if p % 4 == 3: return pow(a, (p+1)//4, p)
    # Tonelli-Shanks
    s, qq = 0, p-1
    while qq % 2 == 0: qq //= 2; s += 1
    z = 2
    while pow(z, (p-1)//2, p) != p-1: z += 1
    m, c, t, r = s, pow(z, qq, p), pow(a, qq, p), pow(a, (qq+1)//2, p)
    while t != 1:
        i, t2 = 0, t
        while t2 != 1: t2 = t2*t2 % p; i += 1
        b = pow(c, 1 << (m-i-1), p)
        m, c, t, r = i, b*b % p, t*b*b % p, r*b % p
    return r

class Curve:
    """short Weierstrass y^2 = x^3 + b (a = 0), affine points as (x,y) or None for identity"""
    def __init__(self, p, b, name):
        self.p, self.b, self.name = p, b % p, name
    def on_curve(self, P):
        if P is None: return True
        x, y = P; return (y*y - x*x*x - self.b) % self.p == 0
    def neg(self, P):
        return None if P is None else (P[0], (-P[1]) % self.p)
    def add(self, P1, P2):
        p = self.p
        if P1 is None: return P2
        if P2 is None: return P1
        x1, y1 = P1; x2, y2 = P2
        if x1 == x2:
            if (y1 + y2) % p == 0: return None
            l = 3*x1*x1 * inv(2*y1, p) % p
        else:
            l = (y2 - y1) * inv(x2 - x1, p) % p
        x3 = (l*l - x1 - x2) % p
        return (x3, (l*(x1 - x3) - y1) % p)
    # Jacobian for speed
    def to_jac(self, P): return (1, 1, 0) if P is None else (P[0], P[1], 1)
    def jdbl(self, J):
        p = self.p; X, Y, Z = J
        if Z == 0 or Y == 0: return (1, 1, 0)
        A = X*X % p; B = Y*Y % p; C = B*B % p
        D = 2*((X+B)*(X+B) - A - C) % p; E = 3*A % p; F = E*E % p
        X3 = (F - 2*D) % p; Y3 = (E*(D - X3) - 8*C) % p; Z3 = 2*Y*Z % p
        return (X3, Y3, Z3)
    def jadd(self, J1, J2):
        p = self.p
        X1, Y1, Z1 = J1; X2, Y2, Z2 = J2
        if Z1 == 0: return J2
        if Z2 == 0: return J1
        Z1Z1 = Z1*Z1 % p; Z2Z2 = Z2*Z2 % p
        U1 = X1*Z2Z2 % p; U2 = X2*Z1Z1 % p
        S1 = Y1*Z2*Z2Z2 % p; S2 = Y2*Z1*Z1Z1 % p
        if U1 == U2:
            if S1 != S2: return (1, 1, 0)
            return self.jdbl(J1)
        H = (U2 - U1) % p; I = (2*H)*(2*H) % p; J = H*I % p
        r = 2*(S2 - S1) % p; V = U1*I % p
        X3 = (r*r - J - 2*V) % p
        Y3 = (r*(V - X3) - 2*S1*J) % p
        Z3 = ((Z1+Z2)*(Z1+Z2) - Z1Z1 - Z2Z2)*H % p
        return (X3, Y3, Z3)
    def from_jac(self, J):
        p = self.p; X, Y, Z = J
        if Z == 0: return None
        zi = inv(Z, p); zi2 = zi*zi % p
        return (X*zi2 % p, Y*zi2*zi % p)
    def mul(self, P, k):
        k %= self.order
        acc = (1, 1, 0); base = self.to_jac(P)
        while k:
            if k & 1: acc = self.jadd(acc, base)
            base = self.jdbl(base); k >>= 1
        return self.from_jac(acc)
    def msm(self, scalars, points, c=None):
        # Pippenger
        n = len(points)
        if n == 0: return None
        if c is None:
            c = 1
            while (1 << (c+1)) < n: c += 1
            c = max(1, min(c, 16)) if n > 32 else 4
        bits = self.order.bit_length()
        jpts = [self.to_jac(P) for P in points]
        ks = [s % self.order for s in scalars]
        acc = (1, 1, 0)
        for w in reversed(range(0, bits, c)):
            for _ in range(c): acc = self.jdbl(acc)
            buckets = [(1, 1, 0)] * (1 << c)
            for k, J in zip(ks, jpts):
                d = (k >> w) & ((1 << c) - 1)
                if d: buckets[d] = self.jadd(buckets[d], J)
            run = (1, 1, 0); tot = (1, 1, 0)
            for d in range((1 << c) - 1, 0, -1):
                run = self.jadd(run, buckets[d]); tot = self.jadd(tot, run)
            acc = self.jadd(acc, tot)
        return self.from_jac(acc)
    def decompress(self, b: bytes):
        """halo2curves TwoSpare LE compressed encoding (32 bytes)"""
        assert len(b) == 32
        last = b[31]
        sign = (last >> 7) & 1; ident = (last >> 6) & 1
        xb = bytearray(b); xb[31] &= 0x3f
        x = int.from_bytes(xb, 'little')
        if x >= self.p: raise ValueError('non-canonical x')
        if ident:
            if x != 0 or sign: raise ValueError('bad identity')
            return None
        if x == 0: raise ValueError('x=0 not encodable')
        y = sqrt_mod(x*x*x + self.b, self.p)
        if y is None: raise ValueError('not on curve')
        if (y & 1) != sign: y = self.p - y
        return (x, y)

BN = Curve(Q, 3, 'bn254-g1'); BN.order = R
GK = Curve(R, -17, 'grumpkin'); GK.order = Q

def coords(P):
    """nova to_coordinates: (x, y, is_infinity)"""
    return (0, 0, True) if P is None else (P[0], P[1], False)

def comm_bytes(P):
    x, y, inf = coords(P)
    return x.to_bytes(32, 'little') + y.to_bytes(32, 'little') + bytes([1 if inf else 0])
