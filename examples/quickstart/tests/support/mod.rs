//! What the end-to-end tests against real backends share.
#![allow(dead_code, unreachable_pub)]

pub mod backends;
pub mod quickstart;
pub mod services;
