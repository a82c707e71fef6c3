//! Objects from S3, streamed: GetObject's body arrives in chunks on the
//! async side and is read as a plain `Read` on the decoding thread.

use std::io::{self, Read};

use aws_sdk_s3::primitives::ByteStream;
use bytes::{Buf, Bytes};
use tokio::sync::mpsc;

use super::{ObjectBody, ObjectStore};
use crate::event::ObjectEvent;

/// Chunks of the body buffered between the network and the decoder.
const CHUNKS_AHEAD: usize = 16;

/// Reads objects with GetObject.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
}

impl S3Store {
    pub fn new(client: aws_sdk_s3::Client) -> Self {
        S3Store { client }
    }
}

impl ObjectStore for S3Store {
    async fn open(&self, event: &ObjectEvent) -> io::Result<ObjectBody> {
        let version = event.version_id.as_deref().filter(|v| !v.is_empty());
        // Without a version, the ETag guards against reading a newer object
        // under the same key (its own notification brings it).
        let etag = match version {
            None => Some(event.object_etag.trim_matches('"')).filter(|e| !e.is_empty()),
            Some(_) => None,
        };
        let object = self
            .client
            .get_object()
            .bucket(&event.bucket_name)
            .key(&event.object_key)
            .set_version_id(version.map(String::from))
            .set_if_match(etag.map(|e| format!("\"{e}\"")))
            .send()
            .await
            .map_err(|e| {
                let status = e.raw_response().map(|r| r.status().as_u16());
                // The kind tells Main's failure kinds apart (the error table's error_code).
                let kind = match status {
                    Some(404) => io::ErrorKind::NotFound,
                    Some(403) => io::ErrorKind::PermissionDenied,
                    _ => io::ErrorKind::Other,
                };
                match (status == Some(412), etag) {
                    (true, Some(etag)) => io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "the object changed since its notification (its ETag is no longer \
                         {etag}): the content it announced is gone, and the newer object \
                         has its own notification"
                        ),
                    ),
                    _ => {
                        // Without s3:ListBucket, S3 answers 403 for a missing key too.
                        let denied = match kind {
                            io::ErrorKind::PermissionDenied => {
                                "access denied: the object is missing or not readable by Main \
                                 (S3 answers 403 for a missing key to a reader without \
                                 s3:ListBucket, and for a KMS key Main may not use): "
                            }
                            _ => "",
                        };
                        io::Error::new(
                            kind,
                            format!(
                                "GetObject{}: {denied}{}",
                                version
                                    .map(|v| format!(" (version {v})"))
                                    .unwrap_or_default(),
                                crate::aws::sdk_error(e)
                            ),
                        )
                    }
                }
            })?;
        Ok(Box::new(ChunkReader::spawn(object.body)))
    }
}

/// A blocking `Read` over a body streamed by a task on the async runtime.
struct ChunkReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl ChunkReader {
    fn spawn(mut body: ByteStream) -> Self {
        let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
        tokio::spawn(async move {
            loop {
                let chunk = match body.try_next().await {
                    Ok(Some(chunk)) => Ok(chunk),
                    Ok(None) => return,
                    Err(e) => Err(io::Error::other(format!("reading the object body: {e}"))),
                };
                let failed = chunk.is_err();
                if tx.send(chunk).await.is_err() || failed {
                    return;
                }
            }
        });
        ChunkReader {
            rx,
            current: Bytes::new(),
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(chunk) => self.current = chunk?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        self.current.copy_to_slice(&mut buf[..n]);
        Ok(n)
    }
}
