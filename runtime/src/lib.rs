//! slips: process log files landing in S3 with your own Rust handler.
//!
//! This crate is what a handler package depends on. It holds the config
//! model, the formats, and (as the pipeline grows) the functions of the stack
//! as plain logic over small ports, with their AWS and local adapters.

pub mod aws;
pub mod config;
pub mod format;
