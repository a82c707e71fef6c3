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

/// One message from the task streaming a body: a chunk, the end, or why
/// the body could not be read.
type Chunk = io::Result<Option<Bytes>>;

/// A blocking `Read` over a body streamed by a task on the async runtime.
struct ChunkReader {
    rx: mpsc::Receiver<Chunk>,
    current: Bytes,
    /// The task said the body ended: only then is the end of the channel
    /// the end of the object, not a task that stopped early (a panic).
    ended: bool,
}

impl ChunkReader {
    fn spawn(mut body: ByteStream) -> Self {
        let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
        tokio::spawn(async move {
            loop {
                let chunk = body
                    .try_next()
                    .await
                    .map_err(|e| io::Error::other(format!("reading the object body: {e}")));
                let last = !matches!(chunk, Ok(Some(_)));
                if tx.send(chunk).await.is_err() || last {
                    return;
                }
            }
        });
        ChunkReader::new(rx)
    }

    fn new(rx: mpsc::Receiver<Chunk>) -> Self {
        ChunkReader {
            rx,
            current: Bytes::new(),
            ended: false,
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Ok(Some(chunk))) => self.current = chunk,
                Some(Ok(None)) => self.ended = true,
                Some(Err(error)) => return Err(error),
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the object's body stopped before its end: the task streaming it ended early",
                    ));
                }
            }
        }
        let n = buf.len().min(self.current.len());
        self.current.copy_to_slice(&mut buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(chunks: Vec<Chunk>) -> io::Result<Vec<u8>> {
        let (tx, rx) = mpsc::channel(chunks.len().max(1));
        for chunk in chunks {
            tx.try_send(chunk).expect("room for every chunk");
        }
        drop(tx);
        let mut out = Vec::new();
        ChunkReader::new(rx).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn a_body_ends_where_its_task_says_it_does() {
        let chunks = vec![
            Ok(Some(Bytes::from("one\n"))),
            Ok(Some(Bytes::from("two\n"))),
            Ok(None),
        ];
        assert_eq!(read_all(chunks).unwrap(), b"one\ntwo\n");
    }

    #[test]
    fn a_task_that_stops_without_the_end_is_an_error_not_a_short_object() {
        let error = read_all(vec![Ok(Some(Bytes::from("one\n")))]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(error.to_string().contains("before its end"), "{error}");
    }

    #[test]
    fn a_read_error_is_passed_on() {
        let chunks = vec![
            Ok(Some(Bytes::from("one\n"))),
            Err(io::Error::other("reset by peer")),
        ];
        assert!(
            read_all(chunks)
                .unwrap_err()
                .to_string()
                .contains("reset by peer")
        );
    }
}
