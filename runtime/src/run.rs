//! The entry point of a handler binary: `slips::run::<MyHandler>()`.
//!
//! One binary serves every function of the stack. In Lambda the environment
//! variable `SLIPS_FUNCTION` says which; elsewhere it runs Main locally, as
//! `slips local` drives it.

use std::process::ExitCode;

use crate::handler::Handler;
use crate::{lambda, telemetry};

/// Runs the handler binary: a Lambda function when Lambda started it, the
/// local runner otherwise. slips sets up logging (`tracing`, JSON in Lambda)
/// and a multi-threaded tokio runtime; [`Runner`] leaves either to you.
pub fn run<H: Handler>() -> ExitCode {
    Runner::new().run::<H>()
}

/// [`run`] with its set-up in your hands: your own `tracing` subscriber,
/// your own tokio runtime (worker threads, stack size, ...).
///
/// ```no_run
/// # use slips::{Handler, Meta, Record};
/// # struct Count(u64);
/// # impl Handler for Count {
/// #     type Args = serde_json::Value;
/// #     type Output = u64;
/// #     async fn setup(_: serde_json::Value) -> slips::Result<Self> { Ok(Count(0)) }
/// #     async fn recv(&mut self, _: &Meta<'_>, _: &Record<'_>) -> slips::Result<()> { self.0 += 1; Ok(()) }
/// #     async fn result(self) -> slips::Result<u64> { Ok(self.0) }
/// # }
/// fn main() -> std::process::ExitCode {
///     // Your subscriber, installed before slips runs (slips installs none).
///     let runtime = tokio::runtime::Builder::new_multi_thread()
///         .worker_threads(2)
///         .enable_all()
///         .build()
///         .expect("a runtime");
///     slips::Runner::new()
///         .without_tracing()
///         .runtime(runtime)
///         .run::<Count>()
/// }
/// ```
#[derive(Debug, Default)]
pub struct Runner {
    own_tracing: bool,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Runner {
    /// What [`run`] does: slips' logging, slips' runtime.
    pub fn new() -> Self {
        Runner::default()
    }

    /// Installs no `tracing` subscriber: install yours before [`Runner::run`].
    /// (In Lambda, slips' metrics are JSON lines on stdout either way.)
    pub fn without_tracing(mut self) -> Self {
        self.own_tracing = true;
        self
    }

    /// Runs on `runtime` instead of a default multi-threaded one. It must
    /// have I/O and time enabled (`enable_all`).
    pub fn runtime(mut self, runtime: tokio::runtime::Runtime) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// Runs the handler binary (see [`run`]).
    pub fn run<H: Handler>(self) -> ExitCode {
        if std::env::var_os(CHECK_ARGS_ENV).is_some() {
            return check_args::<H>();
        }
        if !telemetry::in_lambda() {
            return local::<H>(self);
        }
        if !self.own_tracing {
            telemetry::init(true, "info");
        }
        let runtime = match self.into_runtime() {
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

    /// Whether slips sets up logging (asked by the local runner, which a
    /// Lambda build leaves out).
    #[cfg(not(slips_lambda))]
    pub(crate) fn sets_up_tracing(&self) -> bool {
        !self.own_tracing
    }

    /// The runtime given, or a multi-threaded one.
    pub(crate) fn into_runtime(self) -> std::io::Result<tokio::runtime::Runtime> {
        match self.runtime {
            Some(runtime) => Ok(runtime),
            None => tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build(),
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
fn local<H: Handler>(runner: Runner) -> ExitCode {
    crate::local_runner::main::<H>(runner)
}

/// A Lambda build (`slips package`) leaves the local runner out.
#[cfg(slips_lambda)]
fn local<H: Handler>(_: Runner) -> ExitCode {
    eprintln!(
        "error: this binary was built for Lambda only (AWS_LAMBDA_RUNTIME_API is not set); \
         for local runs use `slips local` or `slips run --local`, which build their own"
    );
    ExitCode::FAILURE
}
