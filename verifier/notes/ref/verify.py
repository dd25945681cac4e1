# Reference (throwaway) implementation of the spec in ../../SPEC.md; own code, written from the spec.
# Usage: python3 verify.py VK.bin PROOF.bin NUM_STEPS '[z0_0, z0_1, ...]'  (files from notes/probe)
import hashlib, sys
from prims import *
from curves import BN, GK, coords, comm_bytes
from parse import parse_vk, parse_proof

NUM_HASH_BITS, NUM_CHALLENGE_BITS = 250, 128
DUMP = []
def dump(name, val):
    DUMP.append((name, val))
POS_R = Poseidon(R, 25, 8, 59)   # RO over Fr (E2::RO, Grumpkin base)
POS_Q = Poseidon(Q, 25, 8, 59)   # RO over Fq (E1::RO, BN254 base)

def digest(raw):  # DigestComputer
    return int.from_bytes(hashlib.sha3_256(raw).digest(), 'little') & ((1 << 250) - 1)

def absorb_comm(v, P):
    x, y, inf = coords(P); v += [x, y, 1 if inf else 0]
def absorb_relaxed(v, U, p_base):
    absorb_comm(v, U['comm_W']); absorb_comm(v, U['comm_E'])
    v.append(U['u'] % p_base)  # scalar_as_base: integer mod target modulus
    for x in U['X']:
        for k in range(4): v.append((x >> (64*k)) & ((1 << 64) - 1))
def absorb_r1cs(v, U, p_base):
    absorb_comm(v, U['comm_W'])
    for x in U['X']: v.append(x % p_base)

def fold(curve, p_s, U1, U2, T, r, relaxed):
    U = {}
    U['X'] = [(a + r*b) % p_s for a, b in zip(U1['X'], U2['X'])]
    U['comm_W'] = curve.add(U1['comm_W'], curve.mul(U2['comm_W'], r))
    if relaxed:
        E = curve.add(U1['comm_E'], curve.mul(T, r))
        U['comm_E'] = curve.add(E, curve.mul(U2['comm_E'], r*r % p_s))
        U['u'] = (U1['u'] + r*U2['u']) % p_s
    else:
        U['comm_E'] = curve.add(U1['comm_E'], curve.mul(T, r))
        U['u'] = (U1['u'] + r) % p_s
    return U

def nifs_challenge(pos, elems): return trunc(pos.hash(elems), NUM_CHALLENGE_BITS)

def relaxed_tbytes(U):
    return comm_bytes(U['comm_W']) + comm_bytes(U['comm_E']) + fe_le(U['u']) + b''.join(fe_le(x) for x in U['X'])

def eq_eval(a, b, p):
    acc = 1
    for x, y in zip(a, b): acc = acc * (x*y + (1-x)*(1-y)) % p
    return acc
def eq_evals(r, p):
    ev = [1]
    for ri in r:   # r[0] is MSB
        ev = [v for e in ev for v in (e*(1-ri) % p, e*ri % p)]
    return ev
def sparse_poly_eval(Z, r, p):  # SparsePolynomial::evaluate == sum_i Z_i eq(i, r) (i as big-endian index)
    n = len(r); acc = 0
    for i, z in enumerate(Z):
        term = z
        for j in range(n):
            bit = (i >> (n-1-j)) & 1
            term = term * (r[j] if bit else (1 - r[j])) % p
        acc = (acc + term) % p
    return acc

def sc_verify(polys, claim, rounds, deg, tr, p):
    if len(polys) != rounds: raise Exception('sumcheck len')
    e = claim; rs = []
    for cp in polys:
        if len(cp) == 0 or len(cp) > deg: raise Exception('degree')
        lin = (e - 2*cp[0] - sum(cp[1:])) % p
        coeffs = [cp[0], lin] + cp[1:]
        tr.absorb(b'p', b''.join(fe_le(c) for c in cp))
        ri = tr.squeeze(b'c'); rs.append(ri)
        e = 0
        for c in reversed(coeffs): e = (e*ri + c) % p
    return e, rs

def verify_secondary(vk2, digest2, U, pf):
    p = Q
    tr = Transcript(b'RelaxedR1CSSNARK', p)
    tr.absorb(b'vk', fe_le(digest2)); tr.absorb(b'U', relaxed_tbytes(U))
    m = vk2['num_cons']; nv = vk2['num_vars']
    nx = m.bit_length() - 1; ny = nv.bit_length() - 1 + 1
    tau = [tr.squeeze(b't') for _ in range(nx)]
    e, r_x = sc_verify(pf['sc_proof_outer'], 0, nx, 3, tr, p)
    dump('S2.tau', tau); dump('S2.r_x', r_x)
    Az, Bz, Cz = pf['claims_outer']
    assert e == eq_eval(tau, r_x, p) * (Az*Bz - U['u']*Cz - pf['eval_E']) % p, 'outer'
    tr.absorb(b'claims_outer', b''.join(fe_le(v) for v in [Az, Bz, Cz, pf['eval_E']]))
    r = tr.squeeze(b'r')
    joint = (Az + r*Bz + r*r*Cz) % p
    e, r_y = sc_verify(pf['sc_proof_inner'], joint, ny, 2, tr, p)
    dump('S2.r', r); dump('S2.r_y', r_y)
    eval_X = sparse_poly_eval([U['u']] + U['X'], r_y[1:], p)
    eval_Z = ((1 - r_y[0]) * pf['eval_W'] + r_y[0]*eval_X) % p
    Tx = eq_evals(r_x, p); Ty = eq_evals(r_y, p)
    def mev(M):
        acc = 0; ip = M['indptr']
        for row in range(len(ip) - 1):
            s = 0
            for k in range(ip[row], ip[row+1]): s += Ty[M['indices'][k]] * M['data'][k]
            acc += Tx[row] * s
        return acc % p
    eA, eB, eC = mev(vk2['A']), mev(vk2['B']), mev(vk2['C'])
    dump('S2.eval_X', eval_X); dump('S2.v_A', eA); dump('S2.v_B', eB); dump('S2.v_C', eC)
    assert e == (eA + r*eB + r*r*eC) * eval_Z % p, 'inner'
    tr.absorb(b'w', fe_le(pf['eval_W']))
    # batch_eval_verify
    xs = [r_y[1:], r_x]; claims = [pf['eval_W'], pf['eval_E']]; comms = [U['comm_W'], U['comm_E']]
    rho = tr.squeeze(b'r'); powr = [1, rho]
    nr = [len(x) for x in xs]; nmax = max(nr)
    c0 = sum(cl * pow(2, nmax - n, p) * pw for cl, n, pw in zip(claims, nr, powr)) % p
    e, rb = sc_verify(pf['sc_proof_batch'], c0, nmax, 2, tr, p)
    dump('S2.rho', rho); dump('S2.r_b', rb)
    ev = pf['evals_batch']; assert len(ev) == 2
    exp = sum(eq_eval(rb[nmax-len(x):], x, p) * ei * pw for x, ei, pw in zip(xs, ev, powr)) % p
    assert e == exp, 'batch'
    tr.absorb(b'l', b''.join(fe_le(v) for v in ev))
    c = tr.squeeze(b'c')
    pc = [1, c]
    C = None; E = 0
    for Ci, ei, n, pw in zip(comms, ev, nr, pc):
        lag = 1
        for rr in rb[:nmax - n]: lag = lag * (1 - rr) % p
        C = GK.add(C, GK.mul(Ci, pw)); E = (E + lag*ei*pw) % p
    dump('S2.c', c); dump('S2.C', C); dump('S2.v', E)
    # IPA
    n = 1 << len(rb)
    ck = vk2['ck_v'][:n]; Gc = vk2['ck_s'][0]
    tr.dom_sep(b'IPA')
    L, Rv = pf['L_vec'], pf['R_vec']
    assert len(L) == len(Rv) and n == 1 << len(L)
    tr.absorb(b'U', comm_bytes(C) + fe_le(E))
    rr = tr.squeeze(b'r')
    Gc_r = GK.mul(Gc, rr)
    dump('IPA.r0', rr)
    P = GK.add(C, GK.mul(Gc_r, E))
    ch = []
    for Li, Ri in zip(L, Rv):
        tr.absorb(b'L', comm_bytes(Li)); tr.absorb(b'R', comm_bytes(Ri)); ch.append(tr.squeeze(b'r'))
    k = len(ch)
    rsq = [x*x % p for x in ch]; rin = [inv(x, p) for x in ch]; rinsq = [x*x % p for x in rin]
    s = [0]*n; s0 = 1
    for x in rin: s0 = s0*x % p
    s[0] = s0
    for i in range(1, n):
        pos = i.bit_length() - 1
        s[i] = s[i - (1 << pos)] * rsq[k-1-pos] % p
    b_hat_naive = sum(a*b for a, b in zip(eq_evals(rb, p), s)) % p
    b_hat = 1
    for j in range(k): b_hat = b_hat * ((1 - rb[j]) * rin[j] + rb[j]*ch[j]) % p
    assert b_hat == b_hat_naive, 'b_hat product formula'
    print('  secondary: computing MSM over', n, 'generators ...', flush=True)
    ck_hat = GK.msm(s, ck)
    dump('IPA.x', ch); dump('IPA.b_hat', b_hat); dump('IPA.G_hat', ck_hat)
    P_hat = GK.msm(rsq + rinsq + [1], L + Rv + [P])
    rhs = GK.msm([pf['a_hat'], pf['a_hat']*b_hat % p], [ck_hat, Gc_r])
    assert P_hat == rhs, 'IPA'
    return True

def verify_primary(vk1, digest1, U, pf):
    p = R
    tr = Transcript(b'RelaxedR1CSSNARK', p)
    tr.absorb(b'vk', fe_le(digest1)); tr.absorb(b'U', relaxed_tbytes(U))
    n_out = vk1['num_cons'].bit_length() - 1; n_in = vk1['N'].bit_length() - 1
    tau = [tr.squeeze(b't') for _ in range(n_out)]
    e, r_outer = sc_verify(pf['sc_outer'], 0, n_out, 3, tr, p)
    dump('S1.tau', tau); dump('S1.r_o', r_outer)
    Az, Bz, Cz, Eo = [pf[k] for k in ['eval_Az_at_r_outer','eval_Bz_at_r_outer','eval_Cz_at_r_outer','eval_E_at_r_outer']]
    assert e == eq_eval(tau, r_outer, p) * (Az*Bz - U['u']*Cz - Eo) % p, 'outer'
    tr.absorb(b'e', b''.join(fe_le(v) for v in [Az, Bz, Cz, Eo]))
    r_pad = [tr.squeeze(b'p') for _ in range(n_in - n_out)]
    r_full = r_pad + r_outer
    factor = 1
    for x in r_pad: factor = factor*(1 - x) % p
    tr.absorb(b'e', comm_bytes(pf['comm_L_row']) + comm_bytes(pf['comm_L_col']))
    c = tr.squeeze(b'c'); gamma = tr.squeeze(b'g'); r = tr.squeeze(b'r')
    tr.absorb(b'l', b''.join(comm_bytes(pf[k]) for k in ['comm_t_plus_r_inv_row','comm_w_plus_r_inv_row','comm_t_plus_r_inv_col','comm_w_plus_r_inv_col']))
    rho = [tr.squeeze(b'r') for _ in range(n_in)]
    dump('S1.r_pad', r_pad); dump('S1.c', c); dump('S1.gamma', gamma); dump('S1.r', r); dump('S1.rho', rho)
    sch = tr.squeeze(b'r'); co = [pow(sch, i, p) for i in range(9)]
    claim = (co[6]*factor*(Az + c*Bz + c*c*Cz) + co[7]*factor*Eo) % p
    e, ri = sc_verify(pf['sc_inner_batched'], claim, n_in, 3, tr, p)
    dump('S1.s', sch); dump('S1.x', ri)
    f = pf
    eq_rho = eq_eval(rho, ri, p); eq_ro = eq_eval(r_full, ri, p)
    mvars = vk1['num_vars'].bit_length() - 1
    split = n_in - mvars
    eq_lo = eq_eval(r_full[:split], ri[:split], p); eq_hi = eq_eval(r_full[split:], ri[split:], p)
    mask_lo = 1
    for a, b in zip(r_full[:split], ri[:split]): mask_lo = mask_lo*(1-a)*(1-b) % p
    masked = (eq_lo - mask_lo)*eq_hi % p
    ident = 0
    for x in ri: ident = (2*ident + x) % p
    t_row = (ident + gamma*eq_ro + r) % p
    w_row = (f['eval_row'] + gamma*f['eval_L_row'] + r) % p
    l = n_in - (2*vk1['num_vars']).bit_length() + 1
    fac2 = 1
    for x in ri[:l]: fac2 = fac2*(1 - x) % p
    ru = ri[l:]
    eX = sparse_poly_eval([U['u']] + U['X'], ru[1:], p)
    val_col = (f['eval_W'] + fac2*ru[0]*eX) % p
    t_col = (ident + gamma*val_col + r) % p
    w_col = (f['eval_col'] + gamma*f['eval_L_col'] + r) % p
    exp = (co[0]*(f['eval_t_plus_r_inv_row'] - f['eval_w_plus_r_inv_row'])
         + co[1]*(f['eval_t_plus_r_inv_col'] - f['eval_w_plus_r_inv_col'])
         + co[2]*eq_rho*(f['eval_t_plus_r_inv_row']*t_row - f['eval_ts_row'])
         + co[3]*eq_rho*(f['eval_w_plus_r_inv_row']*w_row - 1)
         + co[4]*eq_rho*(f['eval_t_plus_r_inv_col']*t_col - f['eval_ts_col'])
         + co[5]*eq_rho*(f['eval_w_plus_r_inv_col']*w_col - 1)
         + co[6]*f['eval_L_row']*f['eval_L_col']*(f['eval_val_A'] + c*f['eval_val_B'] + c*c*f['eval_val_C'])
         + co[7]*eq_ro*f['eval_E'] + co[8]*masked*f['eval_W']) % p
    assert e == exp, 'inner batched'
    names = ['eval_W','eval_E','eval_L_row','eval_L_col','eval_val_A','eval_val_B','eval_val_C','eval_t_plus_r_inv_row','eval_row','eval_w_plus_r_inv_row','eval_ts_row','eval_t_plus_r_inv_col','eval_col','eval_w_plus_r_inv_col','eval_ts_col']
    evs = [f[k] for k in names]
    comms = [U['comm_W'], U['comm_E'], f['comm_L_row'], f['comm_L_col'], vk1['comm_val_A'], vk1['comm_val_B'], vk1['comm_val_C'],
             f['comm_t_plus_r_inv_row'], vk1['comm_row'], f['comm_w_plus_r_inv_row'], vk1['comm_ts_row'],
             f['comm_t_plus_r_inv_col'], vk1['comm_col'], f['comm_w_plus_r_inv_col'], vk1['comm_ts_col']]
    tr.absorb(b'e', b''.join(fe_le(v) for v in evs))
    cc = tr.squeeze(b'c'); pw = [pow(cc, i, p) for i in range(15)]
    Cb = BN.msm(pw, comms); yb = sum(a*b for a, b in zip(pw, evs)) % p
    dump('S1.cc', cc); dump('S1.C', Cb); dump('S1.y', yb)
    # HyperKZG verify
    x = ri; ell = len(x)
    com, W, v = f['kzg_com'], f['kzg_w'], f['kzg_v']
    tr.absorb(b'c', b''.join(comm_bytes(P) for P in com))
    rr = tr.squeeze(b'c'); u = [rr, (-rr) % p, rr*rr % p]
    assert len(v) == ell and len(com) == ell - 1
    for i in range(ell):
        ypos, yneg = v[i][0], v[i][1]
        Y = v[i+1][2] if i + 1 < ell else yb
        xi = x[ell - i - 1]
        assert 2*rr*Y % p == (rr*(1 - xi)*(ypos + yneg) + xi*(ypos - yneg)) % p, 'kzg consistency %d' % i
    tr.absorb(b'v', b''.join(fe_le(a) for row in v for a in row))
    q = tr.squeeze(b'r')
    tr.absorb(b'W', b''.join(comm_bytes(P) for P in W))
    d0 = tr.squeeze(b'd'); d1 = d0*d0 % p
    dump('KZG.xi', rr); dump('KZG.q', q); dump('KZG.d0', d0)
    qm = [(1 + d0 + d1) * pow(q, i, p) % p for i in range(ell)]
    Bu = []
    for i in range(3):
        acc = 0
        for row in reversed(v): acc = (acc*q + row[i]) % p
        Bu.append(acc)
    Lp = BN.msm(qm + [u[0], u[1]*d0 % p, u[2]*d1 % p, -(Bu[0] + d0*Bu[1] + d1*Bu[2]) % p],
                [Cb] + com + W + [vk1['G']])
    Rp = BN.msm([1, d0, d1], W)
    dump('KZG.L', Lp); dump('KZG.R', Rp)
    return Lp, Rp

def main(vkf, pff, num_steps, z0):
    vk = parse_vk(open(vkf, 'rb').read()); pf = parse_proof(open(pff, 'rb').read())
    print('sizes: ro1', vk['_sz_ro1'], 'ro2', vk['_sz_ro2'], 'vk1', vk['_sz_vk1'], 'vk2', vk['_sz_vk2'], 'proof p1', pf['_sz_p1'], 'p2', pf['_sz_p2'])
    v2 = vk['vk_secondary']
    print('secondary: num_cons', v2['num_cons'], 'num_vars', v2['num_vars'], 'nnz', [len(v2[m]['data']) for m in 'ABC'], 'ck_v', len(v2['ck_v']))
    v1 = vk['vk_primary']; print('primary: num_cons', v1['num_cons'], 'num_vars', v1['num_vars'], 'N', v1['N'])
    # check poseidon consts in vk vs our generator
    assert vk['ro_consts_primary']['wide']['rf'] == 8 and vk['ro_consts_primary']['wide']['rp'] == 59
    assert vk['ro_consts_primary']['wide']['mds'][0] == POS_Q.mds
    arity = vk['F_arity']; d = vk['pp_digest']
    assert num_steps > 0 and len(z0) == arity and len(pf['zn']) == arity
    for k in ['r_U_primary', 'r_U_secondary', 'l_ur_primary', 'l_ur_secondary', 'l_u_secondary']: assert len(pf[k]['X']) == 2
    h1 = [d, num_steps] + z0 + pf['zn']; absorb_relaxed(h1, pf['r_U_secondary'], R); h1.append(pf['ri_primary'])
    h2 = [d % Q, num_steps, 0, 0]; absorb_relaxed(h2, pf['r_U_primary'], Q); h2.append(pf['ri_secondary'])
    print('hash input lengths', len(h1), len(h2))
    hp = trunc(POS_R.hash(h1), NUM_HASH_BITS); hs = trunc(POS_Q.hash(h2), NUM_HASH_BITS)
    X = pf['l_u_secondary']['X']
    dump('hA', hp); dump('hB', hs)
    assert hp == X[0] % R, 'hash_primary'
    assert hs == X[1], 'hash_secondary'
    print('OK RO hash checks')
    # NIFS secondary
    v = [d]; absorb_r1cs(v, pf['l_u_secondary'], R); absorb_comm(v, pf['nifs_Uf_secondary'])
    r1 = nifs_challenge(POS_R, v); dump('rho1', r1)
    Uf = fold(GK, Q, pf['r_U_secondary'], pf['l_u_secondary'], pf['nifs_Uf_secondary'], r1, False)
    v = [d]; absorb_relaxed(v, Uf, R); absorb_relaxed(v, pf['l_ur_secondary'], R); absorb_comm(v, pf['nifs_Un_secondary'])
    r2 = nifs_challenge(POS_R, v); dump('rho2', r2)
    Un2 = fold(GK, Q, Uf, pf['l_ur_secondary'], pf['nifs_Un_secondary'], r2, True)
    v = [d % Q]; absorb_relaxed(v, pf['r_U_primary'], Q); absorb_relaxed(v, pf['l_ur_primary'], Q); absorb_comm(v, pf['nifs_Un_primary'])
    r3 = nifs_challenge(POS_Q, v); dump('rho3', r3)
    Un1 = fold(BN, R, pf['r_U_primary'], pf['l_ur_primary'], pf['nifs_Un_primary'], r3, True)
    # derandomize
    h1p = vk['dk_primary']; h2s = vk['dk_secondary']
    Un1['comm_W'] = BN.add(Un1['comm_W'], BN.neg(BN.mul(h1p, pf['wit_blind_r_Wn_primary'])))
    Un1['comm_E'] = BN.add(Un1['comm_E'], BN.neg(BN.mul(h1p, pf['err_blind_r_Wn_primary'])))
    Un2['comm_W'] = GK.add(Un2['comm_W'], GK.neg(GK.mul(h2s, pf['wit_blind_r_Wn_secondary'])))
    Un2['comm_E'] = GK.add(Un2['comm_E'], GK.neg(GK.mul(h2s, pf['err_blind_r_Wn_secondary'])))
    d1 = digest(v1['_raw']); d2 = digest(vk['_raw_vk2'])
    dump('Uf', Uf); dump('Un1_derandomized', Un1); dump('Un2_derandomized', Un2); dump('digest_vk1', d1); dump('digest_vk2', d2)
    print('vk digests', hex(d1), hex(d2))
    Lp, Rp = verify_primary(v1, d1, Un1, pf['snark_primary'])
    print('OK primary up to pairing; L =', Lp, 'R =', Rp)
    verify_secondary(v2, d2, Un2, pf['snark_secondary'])
    print('OK secondary (IPA equation holds)')
    return vk, pf, Lp, Rp

def fmt(v):
    if isinstance(v, int): return '0x%064x' % v
    if v is None: return 'identity'
    if isinstance(v, tuple): return '(' + ', '.join(fmt(x) for x in v) + ')'
    if isinstance(v, list): return '[' + ', '.join(fmt(x) for x in v) + ']'
    if isinstance(v, dict): return '{' + ', '.join('%s: %s' % (k, fmt(x)) for k, x in v.items()) + '}'
    return repr(v)

if __name__ == '__main__':
    import ast
    args = [a for a in sys.argv[1:] if a != '--dump']
    main(args[0], args[1], int(args[2]), ast.literal_eval(args[3]))
    if '--dump' in sys.argv:
        print('# intermediates (field elements as big-endian hex of the canonical integer; points as affine (x, y))')
        for k, v in DUMP: print(k, '=', fmt(v))
