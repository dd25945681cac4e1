//! Stand-in for the core helper's instance module until it is copied here.

use crate::transcript::Repr;
use alloc::vec::Vec;

/// A relaxed R1CS instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelaxedInstance<C, F> {
    /// Witness commitment.
    pub comm_w: C,
    /// Error commitment.
    pub comm_e: C,
    /// Public IO.
    pub x: [F; 2],
    /// Scalar u.
    pub u: F,
}

impl<C: Repr, F: Repr> Repr for RelaxedInstance<C, F> {
    fn repr(&self, out: &mut Vec<u8>) {
        self.comm_w.repr(out);
        self.comm_e.repr(out);
        self.u.repr(out);
        self.x[0].repr(out);
        self.x[1].repr(out);
    }
}
