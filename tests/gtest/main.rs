//! gtest suite: every service of the program, driven through the generated client.

mod common;
mod model;
mod sessions;
mod verifier;
