//! The local buckets: each subdirectory of the buckets directory is a
//! bucket, each file below it an object (hidden files are passed over).

use std::path::Path;

use anyhow::Context;

/// One file of a local bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalObject {
    pub bucket: String,
    /// The path below the bucket directory, with `/` separators.
    pub key: String,
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub modified: i64,
}

/// Every object under `root`, oldest first (the order S3 would notify them in).
pub fn scan(root: &Path) -> anyhow::Result<Vec<LocalObject>> {
    let entries = std::fs::read_dir(root).with_context(|| {
        format!(
            "reading the buckets directory {} (each subdirectory is a bucket)",
            root.display()
        )
    })?;
    let mut objects = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            tracing::warn!(
                path = %entry.path().display(),
                "skipped: a symlinked bucket directory (make it a directory of the buckets directory)"
            );
        } else if kind.is_dir() && !name.starts_with('.') {
            walk(&entry.path(), &name, "", &mut objects)?;
        }
    }
    objects.sort_by(|a, b| (a.modified, &a.bucket, &a.key).cmp(&(b.modified, &b.bucket, &b.key)));
    Ok(objects)
}

fn walk(dir: &Path, bucket: &str, prefix: &str, out: &mut Vec<LocalObject>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        // A name that is not UTF-8 can be no S3 key: said, not turned into one that opens nothing.
        let Some(name) = entry.file_name().to_str().map(String::from) else {
            tracing::warn!(
                path = %entry.path().display(),
                "skipped: the file name is not UTF-8, so it cannot be an object key"
            );
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let key = format!("{prefix}{name}");
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            tracing::warn!(
                bucket,
                key,
                "skipped: a symlink (the local pipeline reads the files and directories of a bucket, not links)"
            );
            continue;
        }
        if kind.is_dir() {
            walk(&entry.path(), bucket, &format!("{key}/"), out)?;
        } else if kind.is_file() {
            let meta = entry.metadata()?;
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i64);
            out.push(LocalObject {
                bucket: bucket.to_string(),
                key,
                size: meta.len(),
                modified,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_directories_and_keys_are_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("logs/app/2026")).unwrap();
        std::fs::write(dir.path().join("logs/app/2026/a.json"), "{}\n").unwrap();
        std::fs::write(dir.path().join("logs/.hidden"), "x").unwrap();
        std::fs::write(dir.path().join("not-a-bucket.txt"), "x").unwrap();
        let objects = scan(dir.path()).unwrap();
        assert_eq!(objects.len(), 1);
        assert_eq!(
            (
                objects[0].bucket.as_str(),
                objects[0].key.as_str(),
                objects[0].size
            ),
            ("logs", "app/2026/a.json", 3)
        );
        assert!(scan(&dir.path().join("missing")).is_err());
        // Links are skipped (and said so), not read through.
        std::os::unix::fs::symlink(dir.path().join("logs/app"), dir.path().join("logs/linked"))
            .unwrap();
        std::os::unix::fs::symlink(dir.path().join("logs"), dir.path().join("alias")).unwrap();
        assert_eq!(scan(dir.path()).unwrap().len(), 1);
    }
}
