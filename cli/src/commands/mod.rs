//! One module per `slips` subcommand.

pub mod backfill;
pub mod config_schema;
pub mod deploy;
pub mod destroy;
pub mod errors;
pub mod failures;
pub mod init;
pub mod invoke;
pub mod limit;
pub mod local;
pub mod package;
pub mod run;
pub mod sample;
pub mod template;
pub mod test;
pub mod validate;

/// The `-c/--config FILE` option of every command that reads a config.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArg {
    /// The slips config file.
    #[arg(
        short,
        long = "config",
        value_name = "FILE",
        default_value = "config.yml"
    )]
    pub config: std::path::PathBuf,
}

impl std::ops::Deref for ConfigArg {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.config
    }
}

impl AsRef<std::path::Path> for ConfigArg {
    fn as_ref(&self) -> &std::path::Path {
        &self.config
    }
}

impl AsRef<std::ffi::OsStr> for ConfigArg {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.config.as_os_str()
    }
}

/// A `--since TIME` value: an RFC 3339 time, taken as UTC.
pub fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("{e}: expected an RFC 3339 time such as 2026-11-22T08:00:00Z"))
}
