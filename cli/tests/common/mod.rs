//! Running the `slips` binary as a user runs it, shared by the CLI's tests.
//!
//! Each test file that includes this module is a crate of its own and uses
//! only some of it: an item one of those crates leaves unused carries
//! `#[allow(dead_code)]`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `slips ARGS` in `dir`, with no standard input (as in CI).
#[allow(dead_code)]
pub fn slips(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slips"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run slips")
}

/// Output bytes as text (lossily, as a terminal would show them).
#[allow(dead_code)]
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repo root")
}
