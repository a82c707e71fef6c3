//! Building the user's handler package with cargo.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// How the handler is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Quick to build, slow to run: trials and tests.
    Debug,
    /// Optimised for speed: local runs on real data.
    Release,
    /// For the Lambda zip: fast where records pass, small elsewhere (see
    /// `cargo_args`), fat LTO, one codegen unit, stripped; panics still
    /// unwind so a handler panic is an error response.
    Lambda,
}

impl Profile {
    /// `release` for `Release`, `debug` otherwise (the flag most commands take).
    pub fn optimised(release: bool) -> Self {
        if release {
            Profile::Release
        } else {
            Profile::Debug
        }
    }

    /// Cargo's arguments. The `lambda` profile is defined on the command line
    /// so any handler package can use it, whatever its Cargo.toml says.
    fn cargo_args(self) -> &'static [&'static str] {
        match self {
            Profile::Debug => &[],
            Profile::Release => &["--release"],
            // Lambda bills the time records take and the zip has a size
            // limit: the handler, slips and the crates the release profile
            // lists (inflate, JSON, ... every record passes through them)
            // keep opt-level 3; every other dependency (the AWS SDK, most of
            // the binary) is built for size. Measured on the record path,
            // "s" instead of 3 costs a quarter of inflate's speed.
            Profile::Lambda => &[
                "--profile=lambda",
                "--config=profile.lambda.inherits=\"release\"",
                "--config=profile.lambda.opt-level=3",
                "--config=profile.lambda.package.\"*\".opt-level=\"z\"",
                "--config=profile.lambda.package.slips.opt-level=3",
                "--config=profile.lambda.lto=\"fat\"",
                "--config=profile.lambda.codegen-units=1",
                "--config=profile.lambda.strip=true",
                "--config=profile.lambda.panic=\"unwind\"",
                // Leaves the local runner (clap, SQLite, YAML) out of the zip.
                "--config=build.rustflags=[\"--cfg\",\"slips_lambda\"]",
            ],
        }
    }
}

/// Builds the handler package at `package` and returns its binary.
/// Cargo's diagnostics go to stderr as usual.
pub fn handler_binary(package: &Path, profile: Profile) -> anyhow::Result<PathBuf> {
    let manifest = package.join("Cargo.toml");
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .args(["--bins", "--message-format=json-render-diagnostics"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cargo.args(profile.cargo_args());
    let output = cargo
        .output()
        .context("running cargo (is it installed and on PATH?)")?;
    if !output.status.success() {
        bail!(
            "building the handler at {} failed (see cargo's messages above)",
            package.display()
        );
    }
    let manifest = manifest.canonicalize().unwrap_or(manifest);
    let mut binaries = Vec::new();
    for line in output.stdout.split(|&b| b == b'\n') {
        let Ok(message) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        let ours = message["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path());
        if message["reason"] == "compiler-artifact"
            && ours
            && let Some(executable) = message["executable"].as_str()
        {
            binaries.push(PathBuf::from(executable));
        }
    }
    match binaries.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!(
            "the handler package at {} has no binary target",
            package.display()
        ),
        many => bail!(
            "the handler package at {} has {} binaries; it must have one: {}",
            package.display(),
            many.len(),
            many.iter()
                .map(|b| b.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Runs a build command of the user's (`functions.build.command`) in the
/// handler package, and returns the binary it makes (`functions.build.binary`).
pub fn custom_binary(package: &Path, command: &[String], binary: &Path) -> anyhow::Result<PathBuf> {
    let Some((program, args)) = command.split_first() else {
        bail!("functions.build.command is empty");
    };
    let status = Command::new(program)
        .args(args)
        .current_dir(package)
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .with_context(|| format!("running functions.build.command `{}`", command.join(" ")))?;
    if !status.success() {
        bail!(
            "functions.build.command `{}` failed ({status})",
            command.join(" ")
        );
    }
    let binary = package.join(binary);
    if !binary.is_file() {
        bail!(
            "functions.build.command ran, but functions.build.binary {} is not there (the path \
             is relative to handler.path; cargo builds a workspace member, or a package made by \
             `slips init` from a checkout, in another package's target directory: `cargo \
             metadata --format-version 1 --no-deps` names it as target_directory)",
            binary.display()
        );
    }
    Ok(binary)
}

/// Runs the built handler binary in place of this process (on Unix: signals
/// such as Ctrl-C or a kill reach it directly), and returns its exit status.
/// `binary` as a program to run: the file it names (a bare name would
/// otherwise be looked up on PATH), or an error when there is no such file.
pub fn given_binary(binary: &Path) -> anyhow::Result<PathBuf> {
    if !binary.is_file() {
        bail!("--binary {}: no such file", binary.display());
    }
    Ok(binary
        .canonicalize()
        .unwrap_or_else(|_| binary.to_path_buf()))
}

pub fn run_handler(mut handler: std::process::Command) -> anyhow::Result<std::process::ExitCode> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let error = handler.exec();
        Err(anyhow::anyhow!(
            "running {:?}: {error}",
            handler.get_program()
        ))
    }
    #[cfg(not(unix))]
    {
        let status = handler
            .status()
            .with_context(|| format!("running {:?}", handler.get_program()))?;
        Ok(match status.code() {
            Some(0) => std::process::ExitCode::SUCCESS,
            Some(code) => std::process::ExitCode::from(u8::try_from(code).unwrap_or(1)),
            None => std::process::ExitCode::FAILURE,
        })
    }
}
