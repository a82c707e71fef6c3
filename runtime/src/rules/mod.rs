//! What a mapping entry does to its records between the reader and the
//! parsers and handler: redaction first, so nothing after it sees what it
//! hides, then the filter and sample. (Joining lines, `multiline`, is part
//! of cutting the object: `object::Blocks::spawn_joined`.)

mod redact;
mod select;

pub use redact::Redactor;
pub use select::{Early, Selector, Verdict};
