//! The secondary SNARK: nova's Spartan `snark::RelaxedR1CSSNARK` over Grumpkin with the IPA
//! polynomial commitment (SPEC §7).

#[cfg(test)]
pub(crate) mod fixture {
    //! Test data: the fixture intermediates and (when `ZKML_NOVA_VK` names nova's bincode vk, e.g.
    //! the output of `notes/fixture/assemble_vk.py`) the real secondary key.
    use crate::field::{Fq, Fr, Grumpkin};
    use crate::shape::{Csr, Shape};
    use ark_ec::AffineRepr;
    use ark_ff::{BigInteger, Field, PrimeField};
    use std::string::String;
    use std::sync::OnceLock;
    use std::vec::Vec;

    /// The intermediates file of the 3-step (`true`) or 1-step proof.
    pub fn intermediates(three: bool) -> &'static str {
        if three {
            include_str!("../notes/fixture/intermediates_proof3.txt")
        } else {
            include_str!("../notes/fixture/intermediates_proof1.txt")
        }
    }

    /// The raw proof bytes (nova bincode).
    pub fn proof_bytes(three: bool) -> &'static [u8] {
        if three {
            include_bytes!("../notes/fixture/proof.bin")
        } else {
            include_bytes!("../notes/fixture/proof1.bin")
        }
    }

    fn hex_to<F: PrimeField>(s: &str) -> F {
        let s = s.trim().trim_start_matches("0x");
        let s = if s.len() % 2 == 1 {
            std::format!("0{s}")
        } else {
            String::from(s)
        };
        let bytes: Vec<u8> = (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        F::from_be_bytes_mod_order(&bytes)
    }

    fn raw<'a>(text: &'a str, name: &str) -> &'a str {
        let prefix = std::format!("{name} = ");
        text.lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .unwrap_or_else(|| panic!("no {name}"))
    }

    /// A scalar or vector of scalars named `name`.
    pub fn scalars<F: PrimeField>(text: &str, name: &str) -> Vec<F> {
        raw(text, name)
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(hex_to)
            .collect()
    }

    /// One scalar.
    pub fn scalar<F: PrimeField>(text: &str, name: &str) -> F {
        scalars(text, name)[0]
    }

    /// A Grumpkin point written `(x, y)`.
    pub fn point(text: &str, name: &str) -> Grumpkin {
        let v = scalars::<Fr>(raw(text, name).trim_matches(|c| c == '(' || c == ')'), "");
        Grumpkin::new(v[0], v[1])
    }

    /// Field `key` inside a `{X: [..], comm_W: (..), comm_E: (..), u: ..}` line.
    pub fn instance(text: &str, name: &str) -> (Grumpkin, Grumpkin, Fq, [Fq; 2]) {
        let line = raw(text, name);
        let field = |k: &str| {
            let start = line.find(&std::format!("{k}: ")).unwrap() + k.len() + 2;
            let rest = &line[start..];
            let end = if rest.starts_with('[') || rest.starts_with('(') {
                rest.find([']', ')']).unwrap() + 1
            } else {
                rest.find(['}', ',']).unwrap()
            };
            &rest[..end]
        };
        let pt = |k: &str| {
            let v: Vec<Fr> = field(k)
                .trim_matches(|c| c == '(' || c == ')')
                .split(',')
                .map(hex_to)
                .collect();
            Grumpkin::new(v[0], v[1])
        };
        let x: Vec<Fq> = field("X")
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(hex_to)
            .collect();
        (pt("comm_W"), pt("comm_E"), hex_to(field("u")), [x[0], x[1]])
    }

    /// Reader over nova bincode bytes (test-only: decompresses halo2curves points).
    pub struct Reader<'a> {
        /// The bytes.
        pub b: &'a [u8],
        /// The read position.
        pub o: usize,
    }

    impl Reader<'_> {
        /// A little-endian u64.
        pub fn u64(&mut self) -> u64 {
            let v = u64::from_le_bytes(self.b[self.o..self.o + 8].try_into().unwrap());
            self.o += 8;
            v
        }
        /// A canonical LE32 scalar.
        pub fn fe<F: PrimeField>(&mut self) -> F {
            let v = F::from_le_bytes_mod_order(&self.b[self.o..self.o + 32]);
            assert_eq!(v.into_bigint().to_bytes_le(), &self.b[self.o..self.o + 32]);
            self.o += 32;
            v
        }
        /// A compressed Grumpkin point (halo2curves: flags 0x80 = y odd, 0x40 = identity).
        pub fn pt(&mut self) -> Grumpkin {
            let mut x = [0u8; 32];
            x.copy_from_slice(&self.b[self.o..self.o + 32]);
            self.o += 32;
            let (odd, inf) = (x[31] & 0x80 != 0, x[31] & 0x40 != 0);
            x[31] &= 0x3f;
            if inf {
                return Grumpkin::identity();
            }
            let x = Fr::from_le_bytes_mod_order(&x);
            let mut y = (x * x * x - Fr::from(17u64)).sqrt().unwrap();
            if y.into_bigint().is_odd() != odd {
                y = -y;
            }
            Grumpkin::new(x, y)
        }
        /// A vector with a u64 count.
        pub fn vec<T>(&mut self, f: impl Fn(&mut Self) -> T) -> Vec<T> {
            let n = self.u64() as usize;
            (0..n).map(|_| f(self)).collect()
        }
    }

    /// nova's secondary verifier key parts.
    pub struct NovaVk2 {
        /// `ck_v` generators.
        pub gens: Vec<Grumpkin>,
        /// `ck_v.h`.
        pub h: Grumpkin,
        /// `ck_s.ck[0]`.
        pub g_c: Grumpkin,
        /// The shape.
        pub shape: Shape,
    }

    /// The real secondary key from `$ZKML_NOVA_VK`, or `None` (tests then skip with a message).
    pub fn nova_vk2() -> Option<&'static NovaVk2> {
        static VK: OnceLock<Option<NovaVk2>> = OnceLock::new();
        VK.get_or_init(|| {
            let path = std::env::var("ZKML_NOVA_VK").ok()?;
            let b = std::fs::read(path).ok()?;
            let mut r = Reader {
                b: &b,
                o: 8 + 2 * 271_800 + 32 + 408,
            };
            let gens = r.vec(Reader::pt);
            let h = r.pt();
            let ck_s = r.vec(Reader::pt);
            let _h_s = r.pt();
            let (nc, nv, nio) = (r.u64() as u32, r.u64() as u32, r.u64() as u32);
            let mut mats: [Csr; 3] = Default::default();
            for m in mats.iter_mut() {
                m.data = r.vec(Reader::fe::<Fq>);
                m.indices = r.vec(Reader::u64);
                m.indptr = r.vec(Reader::u64);
                let _cols = r.u64();
            }
            let shape = Shape::from_csr(nc, nv, nio, [&mats[0], &mats[1], &mats[2]]).unwrap();
            Some(NovaVk2 {
                gens,
                h,
                g_c: ck_s[0],
                shape,
            })
        })
        .as_ref()
    }

    /// Prints the skip message and returns the key if present.
    pub fn nova_vk2_or_skip(test: &str) -> Option<&'static NovaVk2> {
        let vk = nova_vk2();
        if vk.is_none() {
            std::eprintln!("{test}: skipped (set ZKML_NOVA_VK to nova's fixture vk.bin)");
        }
        vk
    }
}
