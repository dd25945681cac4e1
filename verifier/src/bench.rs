//! Internals exposed to the gas benchmark `benches/gas` (feature `bench`; the product program never
//! enables it): the verifier's own Poseidon permutation, with nova 0.76's constants.

use crate::field::Fr;
use crate::poseidon::{Poseidon, RoField as _};

/// Width of the Poseidon state (elements).
pub const POSEIDON_WIDTH: usize = crate::poseidon::WIDTH;

/// The random oracle's Poseidon permutation over `Fr` (width 25, neptune's optimized schedule),
/// exactly as the verifier runs it.
#[derive(Clone, Debug)]
pub struct PoseidonFr(Poseidon<Fr>);

impl PoseidonFr {
    /// The permutation with nova 0.76's constants (decoded from the table embedded in the crate).
    pub fn nova() -> Self {
        Self(Fr::embedded())
    }

    /// Permutes `state` in place.
    pub fn permute(&self, state: &mut [Fr; POSEIDON_WIDTH]) {
        self.0.permute(state);
    }
}
