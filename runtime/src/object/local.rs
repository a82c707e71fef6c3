//! Objects from the local disk: a directory per bucket, or plain file paths.

use std::io;
use std::path::PathBuf;

use super::{ObjectBody, ObjectStore};
use crate::event::ObjectEvent;

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
    /// Local files have no versions or ETags: the file as it is now.
    async fn open(&self, event: &ObjectEvent) -> io::Result<ObjectBody> {
        let path = self.path(&event.bucket_name, &event.object_key);
        let file = std::fs::File::open(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Ok(Box::new(file))
    }
}
