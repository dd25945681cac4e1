//! gtest suite: every service of the program, driven through the generated client.

mod batch;
mod claims;
mod common;
mod fees;
mod hardening;
mod model;
mod notify;
mod private;
mod sessions;
mod stages;
mod verifier;
