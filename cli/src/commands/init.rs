//! `slips init DIR`: a new handler package with a config that validates.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

/// Where the scaffold takes the `slips` crate from.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Directory of the new handler package (created; must not hold a Cargo.toml).
    dir: PathBuf,
    /// Path of the slips runtime crate the package depends on (default: the
    /// one this `slips` was built from).
    #[arg(long, value_name = "DIR")]
    slips_path: Option<PathBuf>,
}

pub fn run(args: InitArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    if dir.join("Cargo.toml").exists() {
        bail!(
            "{} already holds a Cargo.toml; choose a new directory",
            dir.display()
        );
    }
    let runtime = match args.slips_path {
        Some(path) => path,
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime"),
    };
    let runtime = runtime.canonicalize().with_context(|| {
        format!(
            "the slips runtime crate is not at {}; give --slips-path",
            runtime.display()
        )
    })?;
    let name = package_name(dir)?;
    std::fs::create_dir_all(dir.join("src"))
        .with_context(|| format!("creating {}", dir.display()))?;
    let package = dir
        .canonicalize()
        .with_context(|| format!("reading {}", dir.display()))?;
    // Paths relative to the package: it moves with the checkout, and into git.
    let to_runtime = relative(&package, &runtime);
    let checkout = runtime
        .parent()
        .filter(|root| root.join("Cargo.lock").is_file());
    let mut manifest = cargo_toml(&name, &to_runtime);
    let mut files = vec![
        ("src/main.rs", MAIN_RS.to_string()),
        ("config.yml", config_yml(&name)),
        (".gitignore", "/target\n/.slips/\n".to_string()),
        (SAMPLE, SAMPLE_OBJECT.to_string()),
        (SAMPLE_EXPECTED, SAMPLE_RECORDS.to_string()),
    ];
    if let Some(root) = checkout {
        // The versions slips is tested with, and its build directory: the
        // AWS SDK, compiled once there, is not compiled again here.
        let lock = std::fs::read_to_string(root.join("Cargo.lock"))
            .with_context(|| format!("reading {}", root.join("Cargo.lock").display()))?;
        files.push(("Cargo.lock", lock));
        // Artifacts are shared only when built with the same settings.
        let workspace = std::fs::read_to_string(root.join("Cargo.toml"))
            .with_context(|| format!("reading {}", root.join("Cargo.toml").display()))?;
        manifest.push_str("\n# The build settings of slips itself, so its artifacts are reused.\n");
        manifest.push_str(&profiles(&workspace));
        files.push((
            ".cargo/config.toml",
            cargo_config(&relative(&package, &root.join("target"))),
        ));
    }
    files.insert(0, ("Cargo.toml", manifest));
    for (file, _) in &files {
        let path = dir.join(file);
        if path.exists() {
            bail!("{} exists already; not overwriting it", path.display());
        }
    }
    for (file, text) in files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    println!("created the handler package `{name}` in {}", dir.display());
    match checkout {
        Some(root) => println!(
            "it builds into {}/target, beside slips itself: its first build compiles only what \
             slips has not compiled yet (after the quick start, well under a minute; from \
             nothing, the AWS SDK: about {FIRST_BUILD_MINUTES} minutes on 2 cores)",
            root.display()
        ),
        None => println!(
            "its first build compiles the AWS SDK: about {FIRST_BUILD_MINUTES} minutes on 2 cores"
        ),
    }
    println!("next:");
    println!("  cd {}", dir.display());
    println!("  slips validate                      # check config.yml");
    println!("  slips test samples                  # the mapping against its golden files");
    println!("  slips local --object FILE --format s3-lines,json   # try the handler on a file");
    Ok(ExitCode::SUCCESS)
}

/// A sample object for `slips test samples`, and the records it must give.
const SAMPLE: &str = "samples/my-log-bucket/app/2026/12/03/app-1.json";
const SAMPLE_EXPECTED: &str = "samples/my-log-bucket/app/2026/12/03/app-1.json.expected.jsonl";
const SAMPLE_OBJECT: &str =
    "{\"user\":\"ann\",\"action\":\"login\"}\n\n{\"user\":\"bob\",\"action\":\"logout\"}\n";
const SAMPLE_RECORDS: &str = r#"{"line":1,"record":{"user":"ann","action":"login"}}
{"line":3,"record":{"user":"bob","action":"logout"}}
"#;

/// A first release build from nothing, as measured by `scripts/first-build`.
const FIRST_BUILD_MINUTES: u32 = 4;

/// The path from the directory `from` to `to`, both absolute.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path: PathBuf =
        std::iter::repeat_n(std::path::Component::ParentDir, from.len() - common).collect();
    path.extend(&to[common..]);
    if path.as_os_str().is_empty() {
        path.push(".");
    }
    path
}

/// The `[profile.*]` sections of a manifest, as written.
fn profiles(manifest: &str) -> String {
    let mut out = String::new();
    let mut in_profile = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_profile = line.starts_with("[profile.");
        }
        if in_profile {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn cargo_config(target_dir: &Path) -> String {
    format!(
        "# Builds beside slips itself, so the SDK slips compiled is reused.\n[build]\ntarget-dir = \"{}\"\n",
        target_dir.display()
    )
}

/// A cargo package name from the directory name.
fn package_name(dir: &Path) -> anyhow::Result<String> {
    let base = dir
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{}: cannot name a package after this path", dir.display()))?;
    let name: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches('-').to_string();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        bail!("`{base}` does not make a cargo package name; use letters first");
    }
    Ok(name)
}

fn cargo_toml(name: &str, runtime: &Path) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
slips = {{ path = "{runtime}" }}
serde = {{ version = "1", features = ["derive"] }}

# A package of its own, even when created inside another workspace.
[workspace]
"#,
        runtime = runtime.display()
    )
}

fn config_yml(name: &str) -> String {
    format!(
        r#"# The slips config of {name}; config.example.yml in the slips repository
# explains every key. Check it with `slips validate`.
stack_name: {name}
backend:
  sns_topics:
    - name: LogUpload
      arn: arn:aws:sns:us-east-1:123456789012:LogUpload   # your topic
handler:
  path: .
  args:
    tag: null        # count only records with this tag (null: all)
bucket_mapping:
  my-log-bucket:     # your bucket
    - {{prefix: "", format: [s3-lines, json]}}
"#
    )
}

const MAIN_RS: &str = r#"//! A slips handler: slips calls `setup` once per batch of objects, `recv`
//! for every record, and `result` at the end.

use serde::{Deserialize, Serialize};
use slips::{Handler, Meta, Record};

/// `handler.args` from config.yml.
#[derive(Debug, Default, Deserialize)]
struct Args {
    /// Count only records with this tag; all when absent.
    tag: Option<String>,
}

/// What `result` returns: logged in Lambda, printed by `slips local`.
#[derive(Debug, Default, Serialize)]
struct Output {
    records: u64,
}

struct MyHandler {
    args: Args,
    output: Output,
}

impl Handler for MyHandler {
    type Args = Args;
    type Output = Output;

    async fn setup(args: Args) -> slips::Result<Self> {
        Ok(MyHandler { args, output: Output::default() })
    }

    async fn recv(&mut self, meta: &Meta<'_>, record: &Record<'_>) -> slips::Result<()> {
        if self.args.tag.is_some() && meta.tag != self.args.tag.as_deref() {
            return Ok(());
        }
        // `record.raw()` is the record's bytes; `record.deserialize::<T>()`
        // reads it into your own serde type; `record.value()` gives a
        // serde_json::Value. Return an error (e.g. `slips::bail!`) to fail the
        // batch: Lambda retries it, then slips records it in the error table.
        let _ = record;
        self.output.records += 1;
        Ok(())
    }

    async fn result(self) -> slips::Result<Output> {
        Ok(self.output)
    }
}

fn main() -> std::process::ExitCode {
    slips::run::<MyHandler>()
}

// `cargo test`: the handler on a few records, as Main would run it.
#[cfg(test)]
mod tests {
    use super::*;
    use slips::testing::{Trial, json};

    #[test]
    fn counts_every_record_without_a_tag() {
        let ran = Trial::new("s3-lines,json")
            .run_blocking::<MyHandler>(b"{\"a\":1}\n{\"a\":2}\n")
            .expect("runs");
        assert_eq!(ran.output.records, 2);
        assert_eq!(ran.records[1].line, Some(2));
    }

    #[test]
    fn counts_only_the_tag_asked_for() {
        let ran = Trial::new("s3-lines,json")
            .args(json!({"tag": "aws.cloudtrail.AwsApiCall"}))
            .run_blocking::<MyHandler>(b"{\"a\":1}\n")
            .expect("runs");
        assert_eq!(ran.output.records, 0);
    }
}
"#;
