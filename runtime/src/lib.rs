//! slips: process log files landing in S3 with your own Rust handler.
//!
//! A handler package depends on this crate for one trait and one call:
//! implement [`Handler`] (`setup`, `recv` for every record, `result`) and
//! hand it to [`run`] in `main` (or to [`Runner`] for your own tracing or
//! runtime). [`Meta`] and [`Record`] are what `recv` is given, [`Sandbox`]
//! keeps expensive clients from one invocation to the next, and
//! [`testing`] runs a handler on bytes in a unit test.
//!
//! The other modules are the pipeline itself (the functions of the stack,
//! their ports and adapters, the local pipeline) for the `slips` CLI: public
//! so it can use them, hidden from these docs, and no handler API.
#![warn(missing_docs)]

#[doc(hidden)]
pub mod aws;
#[doc(hidden)]
pub mod backoff;
#[doc(hidden)]
pub mod error_table;
#[doc(hidden)]
pub mod event;
#[doc(hidden)]
pub mod failures;
#[doc(hidden)]
pub mod format;
#[doc(hidden)]
pub mod functions;
mod handler;
#[doc(hidden)]
pub mod invoker;
#[doc(hidden)]
pub mod lambda;
#[doc(hidden)]
pub mod lanes;
#[cfg(not(slips_lambda))]
#[doc(hidden)]
pub mod local;
#[cfg(not(slips_lambda))]
mod local_runner;
#[doc(hidden)]
pub mod notification;
#[doc(hidden)]
pub mod object;
#[doc(hidden)]
pub mod rules;
mod run;
mod sandbox;
mod status_line;
#[doc(hidden)]
pub mod telemetry;
pub mod testing;

pub use anyhow::{self, Context, bail, ensure};
pub use handler::{Error, Handler, Meta, Record, Result, Source};
#[doc(hidden)]
pub use lambda::DrainRequest;
#[cfg(not(slips_lambda))]
#[doc(hidden)]
pub use local_runner::{ObjectArgs, PipelineArgs};
#[doc(hidden)]
pub use run::{ARGS_FIT, CHECK_ARGS_ENV};
pub use run::{Runner, run};
pub use sandbox::Sandbox;
#[doc(hidden)]
pub use slips_contract::{config, names};

/// The README's Rust examples compile (`cargo test --doc`), so README and API agree.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
