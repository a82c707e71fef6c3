//! `slips template`: the stack's CloudFormation template, rendered from the
//! config with no AWS call.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use slips::config::{self, LoadError};
use slips_templates::Format;

/// Options of `slips template`.
#[derive(Debug, clap::Args)]
pub struct TemplateArgs {
    /// Output format [default: yaml, or json when --output ends in .json].
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<FormatArg>,
    /// Write the template to this file instead of standard output.
    #[arg(short, long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Yaml,
    Json,
}

pub fn run(file: &Path, args: TemplateArgs) -> anyhow::Result<ExitCode> {
    let loaded = match config::load(file) {
        Ok(loaded) => loaded,
        Err(LoadError::Invalid(report)) => {
            eprintln!("{report}");
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
    eprint!("{}", loaded.warnings.render());
    let format = match (args.format, &args.output) {
        (Some(FormatArg::Yaml), _) => Format::Yaml,
        (Some(FormatArg::Json), _) => Format::Json,
        (None, Some(path)) if path.extension().is_some_and(|e| e == "json") => Format::Json,
        (None, _) => Format::Yaml,
    };
    let text = slips_templates::render(&loaded.config)
        .and_then(|template| template.to_text(format))
        .with_context(|| format!("rendering the template of {}", file.display()))?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
