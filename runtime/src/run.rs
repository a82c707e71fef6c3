//! The entry point of a handler binary: `slips::run::<MyHandler>()`.
//!
//! One binary serves every function of the stack. In Lambda the environment
//! variable `SLIPS_FUNCTION` says which; elsewhere it runs Main locally, as
//! `slips local` drives it.

use std::process::ExitCode;

use crate::handler::Handler;
use crate::{lambda, telemetry};

/// Runs the handler binary: a Lambda function when Lambda started it, the
/// local runner otherwise.
pub fn run<H: Handler>() -> ExitCode {
    if std::env::var_os(CHECK_ARGS_ENV).is_some() {
        return check_args::<H>();
    }
    if !telemetry::in_lambda() {
        return local::<H>();
    }
    telemetry::init(true, "info");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(error = error.to_string(), "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(lambda::serve::<H>()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "function failed to start");
            ExitCode::FAILURE
        }
    }
}

/// Set (with `SLIPS_CONFIG`), the binary only checks that the config's
/// `handler.args` fit the handler, and exits: how `slips package` checks a
/// Lambda build before it is deployed.
pub const CHECK_ARGS_ENV: &str = "SLIPS_CHECK_ARGS";

/// What a handler binary says when its args fit (so a binary that is no
/// slips handler is told apart).
pub const ARGS_FIT: &str = "slips: handler.args fit the handler";

fn check_args<H: Handler>() -> ExitCode {
    let checked = lambda::config_from_env()
        .and_then(|config| crate::functions::main::handler_args::<H>(&config).map(drop));
    match checked {
        Ok(()) => {
            println!("{ARGS_FIT}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(slips_lambda))]
fn local<H: Handler>() -> ExitCode {
    crate::local_runner::main::<H>()
}

/// A Lambda build (`slips package`) leaves the local runner out.
#[cfg(slips_lambda)]
fn local<H: Handler>() -> ExitCode {
    eprintln!(
        "error: this binary was built for Lambda only (AWS_LAMBDA_RUNTIME_API is not set); \
         for local runs use `slips local` or `slips run --local`, which build their own"
    );
    ExitCode::FAILURE
}
