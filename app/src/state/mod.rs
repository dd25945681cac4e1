//! The program's state: plain data and the rules that change it, with no Sails service code.
//! The model and the sessions do not know each other; the services combine them.

pub mod fees;
pub mod model;
pub mod sessions;
pub mod sorted_map;
