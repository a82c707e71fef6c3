//! Objects from the local disk: a directory per bucket, or plain file paths.

use std::io;
use std::path::{Component, Path, PathBuf};

use crate::event::ObjectEvent;
use crate::object::{ObjectBody, ObjectStore};

/// Reads `ROOT/BUCKET/KEY`; without a root, the key is a file path.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: Option<PathBuf>,
}

impl LocalStore {
    /// Buckets are the subdirectories of `root`.
    pub fn buckets(root: impl Into<PathBuf>) -> Self {
        LocalStore {
            root: Some(root.into()),
        }
    }

    /// Keys are file paths; buckets are ignored.
    pub fn files() -> Self {
        LocalStore { root: None }
    }

    pub fn path(&self, bucket: &str, key: &str) -> PathBuf {
        match &self.root {
            Some(root) => root.join(bucket).join(key),
            None => PathBuf::from(key),
        }
    }
}

impl ObjectStore for LocalStore {
    /// Local files have no versions or ETags: the file as it is now. With a
    /// buckets directory, a key must name a file inside `DIR/BUCKET` (no
    /// absolute path, no `..`, no symlink leading out): anything else is
    /// refused, naming the key.
    async fn open(&self, event: &ObjectEvent) -> io::Result<ObjectBody> {
        let path = self.path(&event.bucket_name, &event.object_key);
        if let Some(root) = &self.root {
            inside(root, &event.bucket_name, &event.object_key, &path)?;
        }
        let file = std::fs::File::open(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Ok(Box::new(file))
    }
}

/// Checks that `path` (of `bucket`/`key` under `root`) stays inside
/// `root/bucket`, by its parts and, once it exists, by where it resolves.
fn inside(root: &Path, bucket: &str, key: &str, path: &Path) -> io::Result<()> {
    let refuse = |why: &str| {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "key `{key}` of bucket `{bucket}` {why}: it must name a file inside {}",
                root.join(bucket).display()
            ),
        )
    };
    let plain = |text: &str| {
        Path::new(text)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    };
    if bucket.is_empty() || bucket.contains('/') || !plain(bucket) {
        return Err(refuse("is in a bucket that is no directory name"));
    }
    if key.is_empty() || !plain(key) {
        return Err(refuse("is absolute or goes up (`..`)"));
    }
    // A symlink inside may point outside: compare where both resolve.
    if let (Ok(real), Ok(base)) = (path.canonicalize(), root.join(bucket).canonicalize())
        && !real.starts_with(&base)
    {
        return Err(refuse("resolves (through a symlink) outside its bucket"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(bucket: &str, key: &str) -> ObjectEvent {
        ObjectEvent::new(bucket, key)
    }

    #[tokio::test]
    async fn keys_cannot_leave_their_bucket() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("logs/app")).unwrap();
        std::fs::write(dir.path().join("logs/app/a.log"), "x\n").unwrap();
        std::fs::write(dir.path().join("secret"), "s\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), dir.path().join("logs/link"))
            .unwrap();
        let store = LocalStore::buckets(dir.path());
        assert!(store.open(&event("logs", "app/a.log")).await.is_ok());
        for (bucket, key) in [
            ("logs", "/etc/passwd"),
            ("logs", "../../../../etc/passwd"),
            ("logs", "app/../../secret"),
            ("..", "secret"),
            ("logs", "link"),
        ] {
            let error = match store.open(&event(bucket, key)).await {
                Ok(_) => panic!("{bucket}/{key} was opened"),
                Err(error) => error.to_string(),
            };
            assert!(error.contains(&format!("key `{key}`")), "{error}");
            assert!(error.contains("must name a file inside"), "{error}");
        }
        // Without a buckets directory, keys are file paths (`slips local --object FILE`).
        assert!(
            LocalStore::files()
                .open(&event("", &dir.path().join("secret").display().to_string()))
                .await
                .is_ok()
        );
    }
}
