//! slips: process log files landing in S3 with your own Rust handler.
//!
//! This crate is what a handler package depends on. It holds the config
//! model, the formats, and (as the pipeline grows) the functions of the stack
//! as plain logic over small ports, with their AWS and local adapters.

pub mod aws;
pub mod backoff;
pub mod error_table;
pub mod event;
pub mod failures;
pub mod format;
pub mod functions;
pub mod handler;
pub mod invoker;
pub mod lambda;
pub mod lanes;
#[cfg(not(slips_lambda))]
pub mod local;
#[cfg(not(slips_lambda))]
mod local_runner;
pub mod notification;
pub mod object;
mod run;
mod status_line;
pub mod telemetry;
pub mod testing;

pub use anyhow::{self, Context, bail, ensure};
pub use handler::{Error, Handler, Meta, Record, Result, Source};
pub use lambda::DrainRequest;
#[cfg(not(slips_lambda))]
pub use local_runner::{ObjectArgs, PipelineArgs};
pub use run::{ARGS_FIT, CHECK_ARGS_ENV, run};
pub use slips_contract::{config, names};

/// The README's Rust examples compile (`cargo test --doc`), so README and API agree.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
