//! The code zip all six functions run: the handler binary as `bootstrap`
//! (mode 0755, what `provided.al2023` executes) and the config as
//! `slips.json` (what the runtime reads at start, see
//! `slips::lambda::config_from_env`). Its bytes depend only on the binary and
//! the config (fixed timestamps, fixed order), so an unchanged pipeline
//! packages to the same zip, the same content-hash key, and deploys as "no
//! changes".

use std::io::{Cursor, Read, Write};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use slips::config::Config;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

/// The executable `provided.al2023` runs (the functions' handler is `bootstrap`).
pub const BOOTSTRAP: &str = "bootstrap";
/// The config the runtime reads beside `bootstrap` (`$LAMBDA_TASK_ROOT/slips.json`).
pub const CONFIG_FILE: &str = "slips.json";
/// Lambda's limit on a function's code, unzipped: 250 MB (262,144,000 bytes;
/// "Lambda quotas" in the Lambda developer guide).
pub const MAX_UNZIPPED_BYTES: u64 = 262_144_000;

/// Mode of `bootstrap` in the zip: Lambda runs it, so it must be executable.
const BOOTSTRAP_MODE: u32 = 0o755;
/// Mode of `slips.json`.
const CONFIG_MODE: u32 = 0o644;

/// A code zip in memory, with its content hash.
#[derive(Debug, Clone)]
pub struct CodeZip {
    /// The zip file.
    pub bytes: Vec<u8>,
    /// SHA-256 of `bytes`, lowercase hex.
    pub sha256: String,
}

/// What a code zip holds.
#[derive(Debug)]
pub struct Contents {
    /// The handler binary.
    pub bootstrap: Vec<u8>,
    /// `slips.json`, parsed.
    pub config: serde_json::Value,
}

impl CodeZip {
    /// Zips `binary` as `bootstrap` with `config` as `slips.json`.
    pub fn build(binary: &[u8], config: &Config) -> anyhow::Result<CodeZip> {
        let config_json = serde_json::to_vec_pretty(config).context("serializing the config")?;
        let unzipped = (binary.len() + config_json.len()) as u64;
        if unzipped > MAX_UNZIPPED_BYTES {
            bail!(
                "the handler binary is {} MB; Lambda takes at most {} MB of code unzipped: \
                 build in release mode, strip debug info (`strip = true` in the profile)",
                binary.len() / 1_000_000,
                MAX_UNZIPPED_BYTES / 1_000_000
            );
        }
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            // Fixed, so that the same inputs give the same bytes.
            .last_modified_time(DateTime::default());
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        writer.start_file(BOOTSTRAP, options.unix_permissions(BOOTSTRAP_MODE))?;
        writer.write_all(binary)?;
        writer.start_file(CONFIG_FILE, options.unix_permissions(CONFIG_MODE))?;
        writer.write_all(&config_json)?;
        let bytes = writer
            .finish()
            .context("writing the code zip")?
            .into_inner();
        Ok(CodeZip::from_bytes(bytes))
    }

    /// A zip read from elsewhere (`slips deploy --package FILE`), hashed.
    pub fn from_bytes(bytes: Vec<u8>) -> CodeZip {
        let sha256 = hex(&Sha256::digest(&bytes));
        CodeZip { bytes, sha256 }
    }

    /// Reads `bootstrap` and `slips.json` back, checking the zip is one Lambda
    /// can run: `what` names it in errors.
    pub fn contents(&self, what: &str) -> anyhow::Result<Contents> {
        let mut archive = ZipArchive::new(Cursor::new(&self.bytes))
            .with_context(|| format!("{what} is not a zip file"))?;
        let bootstrap = {
            let mut file = archive.by_name(BOOTSTRAP).with_context(|| {
                format!("{what} has no `{BOOTSTRAP}`: make it with `slips package`")
            })?;
            if file.unix_mode().is_some_and(|mode| mode & 0o111 == 0) {
                bail!("`{BOOTSTRAP}` in {what} is not executable: Lambda could not run it");
            }
            read_limited(&mut file, what, BOOTSTRAP)?
        };
        let config = {
            let mut file = archive.by_name(CONFIG_FILE).with_context(|| {
                format!("{what} has no `{CONFIG_FILE}`: make it with `slips package`")
            })?;
            let text = read_limited(&mut file, what, CONFIG_FILE)?;
            serde_json::from_slice(&text)
                .with_context(|| format!("`{CONFIG_FILE}` in {what} is not JSON"))?
        };
        Ok(Contents { bootstrap, config })
    }

    /// The S3 key of this zip: `PREFIX/STACK/SHA256.zip`. The hash makes the
    /// key change exactly when the code or config does, which is what makes
    /// CloudFormation update the functions.
    pub fn key(&self, code_prefix: &str, stack_name: &str) -> String {
        format!(
            "{}{stack_name}/{}.zip",
            key_prefix(code_prefix),
            self.sha256
        )
    }
}

/// `code_prefix` as the start of a key: `functions` → `functions/`, `` → ``.
pub fn key_prefix(code_prefix: &str) -> String {
    let prefix = code_prefix.trim_matches('/');
    if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    }
}

/// Reads one entry, refusing more than Lambda would take (a zip bomb, or not ours).
fn read_limited(file: &mut impl Read, what: &str, name: &str) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(MAX_UNZIPPED_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading `{name}` in {what}"))?;
    if bytes.len() as u64 > MAX_UNZIPPED_BYTES {
        bail!(
            "`{name}` in {what} is over Lambda's {} MB limit for code",
            MAX_UNZIPPED_BYTES / 1_000_000
        );
    }
    Ok(bytes)
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        serde_json::from_value(serde_json::json!({
            "stack_name": "logs",
            "backend": {"sns_topics": [{"name": "t", "arn": "arn:aws:sns:us-east-1:123456789012:t"}]},
            "handler": {"path": "handler"},
            "bucket_mapping": {"my-logs": [{"prefix": "", "format": ["s3-lines", "json"]}]},
        }))
        .expect("a config")
    }

    #[test]
    fn same_inputs_same_bytes_and_key() {
        let a = CodeZip::build(b"\x7fELF binary", &config()).expect("zip");
        let b = CodeZip::build(b"\x7fELF binary", &config()).expect("zip");
        assert_eq!(a.bytes, b.bytes);
        assert_eq!(a.sha256.len(), 64);
        assert_eq!(
            a.key("functions", "logs"),
            format!("functions/logs/{}.zip", a.sha256)
        );
        assert_eq!(
            a.key("/functions/", "logs"),
            format!("functions/logs/{}.zip", a.sha256)
        );
        assert_eq!(a.key("", "logs"), format!("logs/{}.zip", a.sha256));

        let mut changed = config();
        changed.backend.lane.fast.batch_size = 7;
        let c = CodeZip::build(b"\x7fELF binary", &changed).expect("zip");
        assert_ne!(a.sha256, c.sha256, "a config change changes the key");
    }

    #[test]
    fn holds_an_executable_bootstrap_and_the_config() {
        let zip = CodeZip::build(b"\x7fELF binary", &config()).expect("zip");
        let mut archive = ZipArchive::new(Cursor::new(&zip.bytes)).expect("archive");
        assert_eq!(archive.len(), 2);
        let mode = archive.by_name(BOOTSTRAP).expect("bootstrap").unix_mode();
        assert_eq!(mode.map(|m| m & 0o777), Some(0o755));

        let contents = zip.contents("test.zip").expect("contents");
        assert_eq!(contents.bootstrap, b"\x7fELF binary");
        let read: Config = serde_json::from_value(contents.config).expect("slips.json is a config");
        assert_eq!(read, config());
    }

    #[test]
    fn refuses_a_zip_without_bootstrap() {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        writer
            .start_file("handler", SimpleFileOptions::default())
            .expect("start");
        let zip = CodeZip::from_bytes(writer.finish().expect("finish").into_inner());
        let error = zip.contents("x.zip").unwrap_err().to_string();
        assert!(error.contains("x.zip has no `bootstrap`"), "{error}");
        let error = CodeZip::from_bytes(b"not a zip".to_vec())
            .contents("y.zip")
            .unwrap_err()
            .to_string();
        assert!(error.contains("y.zip is not a zip file"), "{error}");
    }
}
