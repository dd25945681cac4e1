import struct
from prims import Q, R
from curves import BN, GK

class Rd:
    def __init__(self, b): self.b, self.o = b, 0
    def u64(self):
        v = struct.unpack_from('<Q', self.b, self.o)[0]; self.o += 8; return v
    def u32(self):
        v = struct.unpack_from('<I', self.b, self.o)[0]; self.o += 4; return v
    def raw(self, n):
        v = self.b[self.o:self.o+n]; self.o += n; return v
    def fe(self, p):
        v = int.from_bytes(self.raw(32), 'little')
        if v >= p: raise ValueError('non-canonical field element')
        return v
    def vec(self, f):
        n = self.u64(); return [f() for _ in range(n)]
    def pt(self, curve): return curve.decompress(self.raw(32))

def poseidon_consts(r, p):
    mat = lambda: r.vec(lambda: r.vec(lambda: r.fe(p)))
    d = {}
    d['mds'] = [mat() for _ in range(6)]
    d['crc'] = r.vec(lambda: r.fe(p))
    d['psm'] = mat()
    d['sm'] = r.vec(lambda: (r.vec(lambda: r.fe(p)), r.vec(lambda: r.fe(p))))
    d['strength'] = r.u32(); d['rf'] = r.u64(); d['rp'] = r.u64(); d['ht'] = r.u32()
    return d

def ro_consts(r, p):
    return {'wide': poseidon_consts(r, p), 'narrow': poseidon_consts(r, p)}

def sparse(r, p):
    return {'data': r.vec(lambda: r.fe(p)), 'indices': r.vec(r.u64), 'indptr': r.vec(r.u64), 'cols': r.u64()}

def parse_vk(b):
    r = Rd(b); vk = {}
    vk['F_arity'] = r.u64()
    o0 = r.o; vk['ro_consts_primary'] = ro_consts(r, Q); vk['_sz_ro1'] = r.o - o0
    o0 = r.o; vk['ro_consts_secondary'] = ro_consts(r, R); vk['_sz_ro2'] = r.o - o0
    vk['pp_digest'] = r.fe(R)
    o0 = r.o
    v1 = {}
    v1['num_cons'] = r.u64(); v1['num_vars'] = r.u64()
    v1['G'] = r.pt(BN); v1['H_raw'] = r.raw(64); v1['tau_H_raw'] = r.raw(64)
    v1['N'] = r.u64()
    for k in ['comm_row','comm_col','comm_val_A','comm_val_B','comm_val_C','comm_ts_row','comm_ts_col']:
        v1[k] = r.pt(BN)
    v1['_raw'] = b[o0:r.o]
    vk['vk_primary'] = v1; vk['_sz_vk1'] = r.o - o0
    o0 = r.o
    v2 = {}
    v2['ck_v'] = r.vec(lambda: r.pt(GK)); v2['ck_v_h'] = r.pt(GK)
    v2['ck_s'] = r.vec(lambda: r.pt(GK)); v2['ck_s_h'] = r.pt(GK)
    v2['num_cons'] = r.u64(); v2['num_vars'] = r.u64(); v2['num_io'] = r.u64()
    v2['A'] = sparse(r, Q); v2['B'] = sparse(r, Q); v2['C'] = sparse(r, Q)
    vk['vk_secondary'] = v2; vk['_sz_vk2'] = r.o - o0; vk['_raw_vk2'] = b[o0:r.o]
    vk['dk_primary'] = r.pt(BN); vk['dk_secondary'] = r.pt(GK)
    assert r.o == len(b), (r.o, len(b))
    return vk

def relaxed(r, curve, p):
    return {'comm_W': r.pt(curve), 'comm_E': r.pt(curve), 'X': r.vec(lambda: r.fe(p)), 'u': r.fe(p)}
def r1cs_inst(r, curve, p):
    return {'comm_W': r.pt(curve), 'X': r.vec(lambda: r.fe(p))}
def sumcheck(r, p):
    return r.vec(lambda: r.vec(lambda: r.fe(p)))

def parse_proof(b):
    r = Rd(b); s = {}
    s['r_U_secondary'] = relaxed(r, GK, Q)
    s['ri_secondary'] = r.fe(Q)
    s['l_u_secondary'] = r1cs_inst(r, GK, Q)
    s['nifs_Uf_secondary'] = r.pt(GK)
    s['l_ur_secondary'] = relaxed(r, GK, Q)
    s['nifs_Un_secondary'] = r.pt(GK)
    s['r_U_primary'] = relaxed(r, BN, R)
    s['ri_primary'] = r.fe(R)
    s['l_ur_primary'] = relaxed(r, BN, R)
    s['nifs_Un_primary'] = r.pt(BN)
    s['wit_blind_r_Wn_primary'] = r.fe(R); s['err_blind_r_Wn_primary'] = r.fe(R)
    s['wit_blind_r_Wn_secondary'] = r.fe(Q); s['err_blind_r_Wn_secondary'] = r.fe(Q)
    o0 = r.o
    p1 = {}
    for k in ['comm_L_row','comm_L_col','comm_t_plus_r_inv_row','comm_w_plus_r_inv_row','comm_t_plus_r_inv_col','comm_w_plus_r_inv_col']:
        p1[k] = r.pt(BN)
    p1['sc_outer'] = sumcheck(r, R)
    for k in ['eval_Az_at_r_outer','eval_Bz_at_r_outer','eval_Cz_at_r_outer','eval_E_at_r_outer']: p1[k] = r.fe(R)
    p1['sc_inner_batched'] = sumcheck(r, R)
    for k in ['eval_E','eval_L_row','eval_L_col','eval_val_A','eval_val_B','eval_val_C','eval_W',
              'eval_t_plus_r_inv_row','eval_row','eval_w_plus_r_inv_row','eval_ts_row',
              'eval_t_plus_r_inv_col','eval_col','eval_w_plus_r_inv_col','eval_ts_col']:
        p1[k] = r.fe(R)
    p1['kzg_com'] = r.vec(lambda: r.pt(BN))
    p1['kzg_w'] = [r.pt(BN) for _ in range(3)]
    p1['kzg_v'] = r.vec(lambda: [r.fe(R) for _ in range(3)])
    s['snark_primary'] = p1; s['_sz_p1'] = r.o - o0
    o0 = r.o
    p2 = {}
    p2['sc_proof_outer'] = sumcheck(r, Q)
    p2['claims_outer'] = [r.fe(Q) for _ in range(3)]
    p2['eval_E'] = r.fe(Q)
    p2['sc_proof_inner'] = sumcheck(r, Q)
    p2['eval_W'] = r.fe(Q)
    p2['sc_proof_batch'] = sumcheck(r, Q)
    p2['evals_batch'] = r.vec(lambda: r.fe(Q))
    p2['L_vec'] = r.vec(lambda: r.pt(GK)); p2['R_vec'] = r.vec(lambda: r.pt(GK)); p2['a_hat'] = r.fe(Q)
    s['snark_secondary'] = p2; s['_sz_p2'] = r.o - o0
    s['zn'] = r.vec(lambda: r.fe(R))
    assert r.o == len(b), (r.o, len(b))
    return s
