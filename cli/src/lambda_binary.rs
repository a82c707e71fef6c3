//! Will the handler binary start on Lambda? Lambda runs every function on
//! `provided.al2023` (glibc 2.34) on the configured architecture; a binary
//! for another CPU, or one linked against a newer glibc, fails there at start
//! (`exec format error`, `version GLIBC_2.38 not found`), after the deploy
//! looked fine. This reads the binary's ELF header and its required symbol
//! versions (`.gnu.version_r`) before anything is uploaded, and refuses with
//! the fix.

use anyhow::{Context, bail};
use object::FileKind;
use object::elf;
use object::read::elf::{ElfFile64, FileHeader};
use slips::config::Architecture;

/// The glibc of Lambda's `provided.al2023` runtime: Amazon Linux 2023 ships
/// glibc 2.34 (the OS-only runtimes page of the Lambda developer guide).
pub const LAMBDA_GLIBC: GlibcVersion = GlibcVersion([2, 34, 0]);

/// The prefix of glibc's symbol version names (`GLIBC_2.34`). `GLIBCXX_`
/// (libstdc++) does not match it.
const GLIBC_PREFIX: &str = "GLIBC_";

/// A glibc version such as 2.34 or 2.2.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GlibcVersion([u32; 3]);

impl GlibcVersion {
    /// Parses a symbol version name: `GLIBC_2.34` → 2.34. `None` for other
    /// libraries' versions and for `GLIBC_PRIVATE`.
    pub fn from_symbol_version(name: &str) -> Option<GlibcVersion> {
        let numbers = name.strip_prefix(GLIBC_PREFIX)?;
        let mut parts = [0u32; 3];
        let mut count = 0;
        for part in numbers.split('.') {
            let slot = parts.get_mut(count)?;
            *slot = part.parse().ok()?;
            count += 1;
        }
        (count >= 2).then_some(GlibcVersion(parts))
    }
}

impl std::fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [major, minor, patch] = self.0;
        write!(f, "{major}.{minor}")?;
        if patch != 0 {
            write!(f, ".{patch}")?;
        }
        Ok(())
    }
}

/// What the ELF headers say about a binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryInfo {
    /// The CPU it is built for, when it is one Lambda runs.
    pub architecture: Option<Architecture>,
    /// The ELF machine number (`e_machine`), for messages about other CPUs.
    pub machine: u16,
    /// The newest glibc symbol version it needs; `None` for a static (musl)
    /// binary or one that needs no versioned glibc symbol.
    pub newest_glibc: Option<GlibcVersion>,
}

/// Reads the architecture and the glibc symbol versions of the binary in
/// `data`; `what` names it in errors (a path, or `bootstrap in FILE.zip`).
pub fn inspect(data: &[u8], what: &str) -> anyhow::Result<BinaryInfo> {
    match FileKind::parse(data) {
        Ok(FileKind::Elf64) => {}
        Ok(FileKind::Elf32) => {
            bail!("{what} is a 32-bit program; Lambda runs 64-bit x86_64 or arm64 Linux binaries")
        }
        _ => bail!(
            "{what} is not a Linux (ELF) program; Lambda runs Linux binaries: build for Linux, \
             e.g. with `cargo lambda build --release` (it cross-compiles from macOS and \
             Windows), and pass the result with --binary"
        ),
    }
    let file = ElfFile64::<object::Endianness>::parse(data)
        .with_context(|| format!("reading the ELF headers of {what}"))?;
    let endian = file.endian();
    let machine = file.elf_header().e_machine(endian);
    let architecture = match machine {
        elf::EM_X86_64 => Some(Architecture::X86_64),
        elf::EM_AARCH64 => Some(Architecture::Arm64),
        _ => None,
    };
    let sections = file.elf_section_table();
    let mut newest_glibc = None;
    if let Some((mut needs, link)) = sections
        .gnu_verneed(endian, data)
        .with_context(|| format!("reading the symbol versions of {what}"))?
    {
        let strings = sections
            .strings(endian, data, link)
            .with_context(|| format!("reading the symbol version names of {what}"))?;
        while let Some((_, mut auxes)) = needs
            .next()
            .with_context(|| format!("reading the symbol versions of {what}"))?
        {
            while let Some(aux) = auxes
                .next()
                .with_context(|| format!("reading the symbol versions of {what}"))?
            {
                let name = aux
                    .name(endian, strings)
                    .with_context(|| format!("reading a symbol version name of {what}"))?;
                let version = std::str::from_utf8(name)
                    .ok()
                    .and_then(GlibcVersion::from_symbol_version);
                newest_glibc = newest_glibc.max(version);
            }
        }
    }
    Ok(BinaryInfo {
        architecture,
        machine,
        newest_glibc,
    })
}

/// Refuses a binary that would not start on Lambda with `architecture`:
/// the wrong CPU, or a glibc newer than [`LAMBDA_GLIBC`]. The error says why
/// and how to build one that fits.
pub fn check(data: &[u8], what: &str, architecture: Architecture) -> anyhow::Result<BinaryInfo> {
    let info = inspect(data, what)?;
    fits(&info, what, architecture)?;
    Ok(info)
}

/// The verdict of [`check`] on what [`inspect`] read.
fn fits(info: &BinaryInfo, what: &str, architecture: Architecture) -> anyhow::Result<()> {
    let cargo_lambda = match architecture {
        Architecture::X86_64 => "cargo lambda build --release --x86-64",
        Architecture::Arm64 => "cargo lambda build --release --arm64",
    };
    match info.architecture {
        Some(built) if built == architecture => {}
        built => {
            let built = built.map_or_else(
                || format!("another CPU (ELF machine {})", info.machine),
                |a| a.name().to_string(),
            );
            bail!(
                "{what} is built for {built}, but functions.architecture is {wanted}: Lambda \
                 could not run it. Build it for {wanted} with `{cargo_lambda}` in the handler \
                 package and pass the binary with --binary target/lambda/NAME/bootstrap, or set \
                 functions.architecture to match the binary",
                wanted = architecture.name()
            );
        }
    }
    if let Some(needed) = info.newest_glibc
        && needed > LAMBDA_GLIBC
    {
        bail!(
            "{what} needs glibc {needed} (symbol version GLIBC_{needed}), but Lambda's \
             provided.al2023 has glibc {LAMBDA_GLIBC}: it would fail at start with \"version \
             `GLIBC_{needed}' not found\". This happens when the build machine's glibc is newer \
             than Lambda's. Build against glibc {LAMBDA_GLIBC} with `{cargo_lambda}` (it links \
             through zig) or statically for musl (`cargo build --release --target {musl}`), then \
             pass the binary with --binary",
            musl = match architecture {
                Architecture::X86_64 => "x86_64-unknown-linux-musl",
                Architecture::Arm64 => "aarch64-unknown-linux-musl",
            }
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_versions_parse_and_order() {
        let v = |s| GlibcVersion::from_symbol_version(s);
        assert_eq!(v("GLIBC_2.34"), Some(GlibcVersion([2, 34, 0])));
        assert_eq!(v("GLIBC_2.2.5"), Some(GlibcVersion([2, 2, 5])));
        assert_eq!(v("GLIBC_PRIVATE"), None);
        assert_eq!(v("GLIBCXX_3.4.29"), None);
        assert_eq!(v("GCC_3.0"), None);
        assert!(v("GLIBC_2.35") > Some(LAMBDA_GLIBC));
        assert!(v("GLIBC_2.2.5") < Some(LAMBDA_GLIBC));
        assert_eq!(GlibcVersion([2, 2, 5]).to_string(), "2.2.5");
        assert_eq!(LAMBDA_GLIBC.to_string(), "2.34");
    }

    /// This test binary is an ELF program of the host: its facts match what
    /// the host's tools say about it.
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn reads_the_running_binary() {
        let path = std::env::current_exe().expect("current exe");
        let data = std::fs::read(&path).expect("read the test binary");
        let info = inspect(&data, "the test binary").expect("inspect");
        let host = if cfg!(target_arch = "x86_64") {
            Some(Architecture::X86_64)
        } else if cfg!(target_arch = "aarch64") {
            Some(Architecture::Arm64)
        } else {
            None
        };
        assert_eq!(info.architecture, host);
        // Every glibc binary needs at least GLIBC_2.2.5 (x86_64) or 2.17 (arm64).
        assert!(
            info.newest_glibc >= Some(GlibcVersion([2, 2, 5])),
            "{info:?}"
        );
    }

    #[test]
    fn refuses_a_newer_glibc_with_the_fix() {
        let info = BinaryInfo {
            architecture: Some(Architecture::X86_64),
            machine: elf::EM_X86_64,
            newest_glibc: GlibcVersion::from_symbol_version("GLIBC_2.38"),
        };
        let error = fits(&info, "target/release/h", Architecture::X86_64)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("target/release/h needs glibc 2.38"),
            "{error}"
        );
        assert!(error.contains("provided.al2023 has glibc 2.34"), "{error}");
        assert!(
            error.contains("cargo lambda build --release --x86-64"),
            "{error}"
        );
        assert!(error.contains("x86_64-unknown-linux-musl"), "{error}");
        let fitting = BinaryInfo {
            newest_glibc: Some(LAMBDA_GLIBC),
            ..info.clone()
        };
        assert!(fits(&fitting, "h", Architecture::X86_64).is_ok());
        let musl = BinaryInfo {
            newest_glibc: None,
            ..info
        };
        assert!(fits(&musl, "h", Architecture::X86_64).is_ok());
    }

    /// A real binary whose symbol version table asks for glibc 2.99: this
    /// test binary with its `GLIBC_2.2.5` (the x86_64 baseline every glibc
    /// program needs) renamed in place.
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu", target_arch = "x86_64"))]
    fn reads_and_refuses_a_binary_needing_a_newer_glibc() {
        let mut data = std::fs::read(std::env::current_exe().expect("exe")).expect("read");
        let (from, to) = (b"GLIBC_2.2.5\0", b"GLIBC_2.99\0\0");
        let at = data
            .windows(from.len())
            .position(|w| w == from)
            .expect("GLIBC_2.2.5 in the test binary");
        data[at..at + to.len()].copy_from_slice(to);
        let info = inspect(&data, "patched").expect("inspect");
        assert_eq!(
            info.newest_glibc,
            GlibcVersion::from_symbol_version("GLIBC_2.99")
        );
        let error = check(&data, "patched", Architecture::X86_64)
            .unwrap_err()
            .to_string();
        assert!(error.contains("patched needs glibc 2.99"), "{error}");
    }

    #[test]
    fn refuses_another_cpu() {
        let info = BinaryInfo {
            architecture: None,
            machine: elf::EM_RISCV,
            newest_glibc: None,
        };
        let error = fits(&info, "h", Architecture::X86_64)
            .unwrap_err()
            .to_string();
        assert!(error.contains("another CPU (ELF machine 243)"), "{error}");
    }

    #[test]
    fn refuses_what_is_not_a_linux_binary() {
        let error = inspect(b"#!/bin/sh\necho hi\n", "script").unwrap_err();
        assert!(
            error.to_string().contains("not a Linux (ELF) program"),
            "{error}"
        );
    }

    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu", target_arch = "x86_64"))]
    fn refuses_the_wrong_architecture() {
        let data = std::fs::read(std::env::current_exe().expect("exe")).expect("read");
        let error = check(&data, "bin", Architecture::Arm64)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("built for x86_64, but functions.architecture is arm64"),
            "{error}"
        );
        assert!(
            error.contains("cargo lambda build --release --arm64"),
            "{error}"
        );
    }
}
