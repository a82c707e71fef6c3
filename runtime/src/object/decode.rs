//! Compression, detected by the first bytes of the content (the key's suffix
//! lies too often: `.gz` objects stored decompressed, compressed objects
//! without a suffix).

use std::io::{self, BufReader, Cursor, Read};

use flate2::read::MultiGzDecoder;

/// How an object's content is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    /// Gzip, including several members back to back (Firehose, fluentd).
    Gzip,
    Zstd,
    Bzip2,
}

/// Enough for every magic number we look for.
const MAGIC_LEN: usize = 4;

impl Compression {
    /// Recognises the magic number at the start of `head`.
    pub fn detect(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            [b'B', b'Z', b'h', ..] => Compression::Bzip2,
            _ => Compression::None,
        }
    }

    /// What the key's suffix suggests, to warn when the content disagrees.
    pub fn from_suffix(key: &str) -> Compression {
        let key = key.to_ascii_lowercase();
        if key.ends_with(".gz") || key.ends_with(".gzip") {
            Compression::Gzip
        } else if key.ends_with(".zst") || key.ends_with(".zstd") {
            Compression::Zstd
        } else if key.ends_with(".bz2") {
            Compression::Bzip2
        } else {
            Compression::None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
        }
    }
}

/// Peeks at the body's first bytes and wraps it in the decoder they call for.
pub fn decompress(
    mut body: Box<dyn Read + Send>,
) -> io::Result<(Compression, Box<dyn Read + Send>)> {
    let mut head = Vec::with_capacity(MAGIC_LEN);
    (&mut body).take(MAGIC_LEN as u64).read_to_end(&mut head)?;
    let compression = Compression::detect(&head);
    let whole = BufReader::with_capacity(256 * 1024, Cursor::new(head).chain(body));
    let reader: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(whole),
        Compression::Gzip => Box::new(MultiGzDecoder::new(whole)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(whole)?),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(whole)),
    };
    Ok((compression, reader))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn read_all(bytes: Vec<u8>) -> io::Result<(Compression, Vec<u8>)> {
        let (compression, mut reader) = decompress(Box::new(Cursor::new(bytes)))?;
        let mut out = Vec::new();
        reader.read_to_end(&mut out)?;
        Ok((compression, out))
    }

    #[test]
    fn detects_each_compression_by_content() {
        let data = b"line one\nline two\n".to_vec();
        let zstd = zstd::encode_all(&data[..], 3).unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(&data).unwrap();
        let bzip2 = bz.finish().unwrap();
        for (bytes, expected) in [
            (data.clone(), Compression::None),
            (gzip(&data), Compression::Gzip),
            (zstd, Compression::Zstd),
            (bzip2, Compression::Bzip2),
        ] {
            let (compression, out) = read_all(bytes).unwrap();
            assert_eq!(compression, expected);
            assert_eq!(out, data);
        }
    }

    #[test]
    fn reads_every_gzip_member() {
        let mut two = gzip(b"first member, line 1\nhalf of a li");
        two.extend(gzip(b"ne\nsecond member\n"));
        let (_, out) = read_all(two).unwrap();
        assert_eq!(
            out,
            b"first member, line 1\nhalf of a line\nsecond member\n"
        );
    }

    #[test]
    fn short_and_empty_bodies_are_plain() {
        assert_eq!(
            read_all(Vec::new()).unwrap(),
            (Compression::None, Vec::new())
        );
        assert_eq!(
            read_all(b"ab".to_vec()).unwrap(),
            (Compression::None, b"ab".to_vec())
        );
    }

    #[test]
    fn a_truncated_gzip_is_an_error() {
        let whole = gzip(&b"0123456789abcdef\n".repeat(1000));
        let cut = whole[..whole.len() / 2].to_vec();
        assert!(read_all(cut).is_err());
    }

    #[test]
    fn suffixes_are_hints() {
        assert_eq!(Compression::from_suffix("a/b.json.GZ"), Compression::Gzip);
        assert_eq!(Compression::from_suffix("a/b.zst"), Compression::Zstd);
        assert_eq!(Compression::from_suffix("a/b.log"), Compression::None);
    }
}
