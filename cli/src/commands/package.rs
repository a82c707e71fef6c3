//! `slips package`: the build-and-zip step of `slips deploy` alone, for
//! pipelines that build once and deploy later (`slips deploy --package FILE`).
//! Builds the handler, checks it will start on Lambda, zips it with the config.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use slips::config::{self, Architecture, Config, LoadError, Loaded};

use crate::build;
use crate::code_zip::CodeZip;
use crate::lambda_binary;

/// How the handler binary is obtained (shared by `package` and `deploy`).
#[derive(Debug, Clone, clap::Args)]
pub struct BinaryArgs {
    /// Build the handler in debug mode instead of the size-optimised
    /// `lambda` profile (release, fat LTO): much faster to build, slower to
    /// run. For trials and tests, not for production.
    #[arg(long)]
    pub debug: bool,
    /// Use this already built handler binary instead of building
    /// handler.path, e.g. one cross-built with `cargo lambda build --release
    /// --arm64` (target/lambda/NAME/bootstrap) or for musl.
    #[arg(long, value_name = "FILE", conflicts_with = "debug")]
    pub binary: Option<PathBuf>,
}

/// Options of `slips package`.
#[derive(Debug, clap::Args)]
pub struct PackageArgs {
    #[command(flatten)]
    pub config: super::ConfigArg,
    /// Where to write the zip [default: STACK_NAME.zip].
    #[arg(short, long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub binary: BinaryArgs,
}

pub fn run(args: PackageArgs) -> anyhow::Result<ExitCode> {
    let Some(loaded) = load(&args.config)? else {
        return Ok(ExitCode::FAILURE);
    };
    let zip = package(&loaded.config, &args.binary)?;
    let output = args
        .output
        .unwrap_or_else(|| PathBuf::from(format!("{}.zip", loaded.config.stack_name)));
    std::fs::write(&output, &zip.bytes).with_context(|| format!("writing {}", output.display()))?;
    eprintln!(
        "wrote {} ({}, sha256 {}); deploy it with `slips deploy -c {} --package {}`",
        output.display(),
        megabytes(zip.bytes.len()),
        zip.sha256,
        args.config.display(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Loads the config; prints its problems and answers `None` when it has errors.
pub fn load(file: &Path) -> anyhow::Result<Option<Loaded>> {
    match config::load(file) {
        Ok(loaded) => {
            eprint!("{}", loaded.warnings.render());
            Ok(Some(loaded))
        }
        Err(LoadError::Invalid(report)) => {
            eprintln!("{report}");
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

/// Builds (or takes) the handler binary, checks it fits Lambda and the
/// configured architecture, and zips it with the config.
pub fn package(config: &Config, args: &BinaryArgs) -> anyhow::Result<CodeZip> {
    let binary = match (&args.binary, &config.functions.build) {
        (Some(path), _) => path.clone(),
        (None, Some(custom)) if !args.debug => {
            eprintln!("building the handler with `{}`", custom.command.join(" "));
            build::custom_binary(&config.handler.path, &custom.command, &custom.binary)?
        }
        _ => {
            let (profile, mode) = if args.debug {
                (build::Profile::Debug, "debug")
            } else {
                (
                    build::Profile::Lambda,
                    "the lambda profile: fat LTO, slow to build",
                )
            };
            eprintln!(
                "building the handler at {} ({mode})",
                config.handler.path.display()
            );
            build::handler_binary(&config.handler.path, profile)?
        }
    };
    let data = std::fs::read(&binary)
        .with_context(|| format!("reading the handler binary {}", binary.display()))?;
    let what = binary.display().to_string();
    let info = lambda_binary::check(&data, &what, config.functions.architecture)?;
    tracing::debug!(binary = what, ?info, "the handler binary fits Lambda");
    check_args(&binary, config)?;
    CodeZip::build(&data, config).with_context(|| format!("zipping {what}"))
}

/// Runs the binary (when this machine can) to check that `handler.args`
/// fit the handler's `Args`: args that do not would fail every invocation
/// of Main on AWS, each one into the error table.
fn check_args(binary: &Path, config: &Config) -> anyhow::Result<()> {
    let host = match std::env::consts::ARCH {
        "x86_64" => Architecture::X86_64,
        "aarch64" => Architecture::Arm64,
        _ => return Ok(()),
    };
    if host != config.functions.architecture || !cfg!(target_os = "linux") {
        eprintln!(
            "note: handler.args not checked here (the binary is for another machine); Main checks them when it starts"
        );
        return Ok(());
    }
    let file = std::env::temp_dir().join(format!("slips-check-args-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(config)?)
        .with_context(|| format!("writing {}", file.display()))?;
    let program = build::given_binary(binary)?;
    let out = std::process::Command::new(&program)
        .env(slips::CHECK_ARGS_ENV, "1")
        .env(slips::names::env::CONFIG, &file)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdin(std::process::Stdio::null())
        .output();
    let _ = std::fs::remove_file(&file);
    let out = match out {
        Ok(out) => out,
        Err(error) => {
            eprintln!(
                "note: handler.args not checked: cannot run {}: {error}",
                binary.display()
            );
            return Ok(());
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() && stdout.contains(slips::ARGS_FIT) {
        return Ok(());
    }
    if stderr.starts_with("handler.args do not fit") {
        bail!("{}", stderr.trim_end());
    }
    eprintln!(
        "note: handler.args not checked: {} did not answer as a slips handler (built with an older slips?)",
        binary.display()
    );
    Ok(())
}

/// `12.3 MB`.
pub fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
