//! `slips config-schema`: the JSON Schema of config.yml, from the config types.

use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    println!(
        "{}",
        serde_json::to_string_pretty(&slips::config::schema())?
    );
    Ok(ExitCode::SUCCESS)
}
