//! Field paths such as `backend.lane.fast.delay` or `routing[2].dest`: how an
//! error names the config value it is about.

use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// A mapping key: `.name`.
    Key(String),
    /// A list index: `[i]`.
    Index(usize),
}

/// The path from the top of the config to one value.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The whole config.
    pub fn root() -> Self {
        Self::default()
    }

    /// This path, then the key `name`.
    pub fn key(&self, name: impl Into<String>) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Key(name.into()));
        next
    }

    /// This path, then the list index `index`.
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Index(index));
        next
    }

    /// The steps, from the top.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The path without its last step (`None` for the root).
    pub fn parent(&self) -> Option<Self> {
        let (_, rest) = self.0.split_last()?;
        Some(FieldPath(rest.to_vec()))
    }

    /// The last step, if it is a key.
    pub fn last_key(&self) -> Option<&str> {
        match self.0.last()? {
            Segment::Key(name) => Some(name),
            Segment::Index(_) => None,
        }
    }

    /// The same path cut after its last mapping key (`routing[2].dest` →
    /// itself, `handler.subnet_ids[1]` → `handler.subnet_ids`).
    pub fn through_last_key(&self) -> Option<Self> {
        let end = self.0.iter().rposition(|s| matches!(s, Segment::Key(_)))?;
        Some(FieldPath(self.0[..=end].to_vec()))
    }
}

impl From<&serde_path_to_error::Path> for FieldPath {
    fn from(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment as S;
        let segments = path.iter().filter_map(|segment| match segment {
            S::Seq { index } => Some(Segment::Index(*index)),
            S::Map { key } => Some(Segment::Key(key.clone())),
            S::Enum { .. } | S::Unknown => None,
        });
        FieldPath(segments.collect())
    }
}

impl From<serde_ignored::Path<'_>> for FieldPath {
    fn from(path: serde_ignored::Path<'_>) -> Self {
        fn walk(path: &serde_ignored::Path<'_>, out: &mut Vec<Segment>) {
            use serde_ignored::Path as P;
            match path {
                P::Root => {}
                P::Seq { parent, index } => {
                    walk(parent, out);
                    out.push(Segment::Index(*index));
                }
                P::Map { parent, key } => {
                    walk(parent, out);
                    out.push(Segment::Key(key.clone()));
                }
                P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
                    walk(parent, out)
                }
            }
        }
        let mut segments = Vec::new();
        walk(&path, &mut segments);
        FieldPath(segments)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(f, "[{index}]")?,
                // Bucket names and prefixes may hold dots: quote keys that are not plain words.
                Segment::Key(name) if !is_plain(name) => write!(f, "[{name:?}]")?,
                Segment::Key(name) if i == 0 => f.write_str(name)?,
                Segment::Key(name) => write!(f, ".{name}")?,
            }
        }
        Ok(())
    }
}

fn is_plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_the_config_reads() {
        let path = FieldPath::root()
            .key("bucket_mapping")
            .key("my.bucket")
            .index(0)
            .key("format");
        assert_eq!(path.to_string(), r#"bucket_mapping["my.bucket"][0].format"#);
        assert_eq!(
            FieldPath::root()
                .key("routing")
                .index(2)
                .key("dest")
                .to_string(),
            "routing[2].dest"
        );
        assert_eq!(FieldPath::root().to_string(), "(top level)");
    }

    #[test]
    fn cuts_after_the_last_key() {
        let path = FieldPath::root().key("handler").key("subnet_ids").index(1);
        assert_eq!(
            path.through_last_key(),
            Some(FieldPath::root().key("handler").key("subnet_ids"))
        );
        assert_eq!(FieldPath::root().index(0).through_last_key(), None);
    }
}
