//! The work counter of the verifier's metered parts.

/// Cost of one field inversion in multiplication equivalents: the kernel's Fermat inversion
/// (3.05e8 gas, about 150 of its multiplications), with a margin.
pub const INV_COST: u64 = 160;

/// Work counter in field multiplications and inversions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Field multiplications (squarings included).
    pub mults: u64,
    /// Field inversions.
    pub invs: u64,
}

impl Cost {
    /// Multiplication equivalents: `mults + INV_COST·invs`.
    pub fn total(&self) -> u64 {
        self.mults + INV_COST * self.invs
    }
}
