//! YAML with positions: the config file as a tree whose every node knows its
//! line and column, so an error found anywhere later can point into the file.
//!
//! This is the only module that knows the YAML parser; the rest of the config
//! code sees a [`Node`] tree and the plain JSON value it converts to.

use std::collections::HashMap;
use std::fmt;

use yaml_rust2::Yaml;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::path::{FieldPath, Segment};

/// A line and column in the config file, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl From<Marker> for Position {
    fn from(mark: Marker) -> Self {
        // yaml-rust2 counts lines from 1 but columns from 0.
        Position {
            line: mark.line(),
            column: mark.col() + 1,
        }
    }
}

/// A YAML node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub at: Position,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A scalar resolved by the YAML 1.2 core schema (null, bool, number, string).
    Scalar(serde_json::Value),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key: always a scalar in a config file.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub at: Position,
}

/// A YAML syntax or structure error, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub at: Position,
    pub message: String,
}

/// The reader's error, pointed at its cause. A tab is reported where the
/// reader gave up, often the end of the line before (a plain scalar may go
/// on over lines): point at the tab itself.
fn syntax_error(text: &str, mark: Marker, info: &str) -> SyntaxError {
    let at = mark.into();
    if !info.contains("found a tab") {
        return SyntaxError {
            at,
            message: info.to_string(),
        };
    }
    let from: usize = text.chars().take(mark.index()).map(char::len_utf8).sum();
    let Some(tab) = text[from..].find('\t').map(|i| from + i) else {
        return SyntaxError {
            at,
            message: info.to_string(),
        };
    };
    let before = &text[..tab];
    SyntaxError {
        at: Position {
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
        },
        message: "a tab character: YAML indents with spaces only".into(),
    }
}

/// Parses one YAML document into a positioned tree.
///
/// Rejects what a config file never needs and would only hide mistakes:
/// several documents, duplicate keys and non-scalar keys.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    // A byte order mark is no content (editors on Windows write one).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The YAML reader would stop at a NUL and ignore the rest of the file.
    if let Some(nul) = text.find('\0') {
        let before = &text[..nul];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        return Err(SyntaxError {
            at: Position { line, column },
            message: "a NUL byte: a config is text (is this a binary file?)".into(),
        });
    }
    let mut builder = TreeBuilder {
        text,
        ..TreeBuilder::default()
    };
    Parser::new_from_str(text)
        .load(&mut builder, true)
        .map_err(|e| syntax_error(text, *e.marker(), e.info()))?;
    if let Some(error) = builder.error {
        return Err(error);
    }
    match builder.documents.len() {
        0 => Err(SyntaxError {
            at: Position { line: 1, column: 1 },
            message: "the file is empty; a config is a YAML mapping (see config.example.yml)"
                .into(),
        }),
        1 => Ok(builder.documents.remove(0)),
        _ => Err(SyntaxError {
            at: builder
                .second_document_at
                .unwrap_or(Position { line: 1, column: 1 }),
            message: "a config file holds one YAML document; found another here".into(),
        }),
    }
}

impl Node {
    /// The plain JSON value of this node, positions dropped.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.kind {
            NodeKind::Scalar(value) => value.clone(),
            NodeKind::Seq(items) => items.iter().map(Node::to_json).collect(),
            NodeKind::Map(entries) => entries
                .iter()
                .map(|(key, value)| (key.name.clone(), value.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    /// Where the node at `path` is, or, when part of the path is absent (a
    /// missing field), where its deepest present ancestor is.
    pub fn position_of(&self, path: &FieldPath) -> Position {
        self.locate(path, false)
    }

    /// Like [`Node::position_of`], but for a path ending in a mapping key,
    /// the position of the key itself (for "unknown field" errors).
    pub fn key_position_of(&self, path: &FieldPath) -> Position {
        self.locate(path, true)
    }

    fn locate(&self, path: &FieldPath, want_key: bool) -> Position {
        let mut node = self;
        let segments = path.segments();
        for (i, segment) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            let next = match (segment, &node.kind) {
                (Segment::Key(name), NodeKind::Map(entries)) => {
                    match entries.iter().find(|(key, _)| &key.name == name) {
                        Some((key, _)) if last && want_key => return key.at,
                        Some((_, value)) => value,
                        None => return node.at,
                    }
                }
                (Segment::Index(index), NodeKind::Seq(items)) => match items.get(*index) {
                    Some(item) => item,
                    None => return node.at,
                },
                _ => return node.at,
            };
            node = next;
        }
        node.at
    }
}

/// Builds [`Node`]s from the parser's events.
#[derive(Default)]
struct TreeBuilder<'t> {
    /// The text parsed, to name an alias in an error.
    text: &'t str,
    /// Values in the tree so far, aliases counted at their full size.
    values: usize,
    documents: Vec<Node>,
    /// Open collections, innermost last, each with its anchor id.
    open: Vec<(Node, usize)>,
    /// For each open mapping, the key read and waiting for its value.
    pending_keys: Vec<Option<Key>>,
    /// Each anchored node, and how many values it holds.
    anchors: HashMap<usize, (Node, usize)>,
    error: Option<SyntaxError>,
    second_document_at: Option<Position>,
}

/// Values a config may hold, aliases expanded: far more than any real
/// config (the example has about 150), far fewer than an alias bomb.
const MAX_VALUES: usize = 100_000;

/// How many values a node holds, itself included.
fn size(node: &Node) -> usize {
    1 + match &node.kind {
        NodeKind::Scalar(_) => 0,
        NodeKind::Seq(items) => items.iter().map(size).sum(),
        NodeKind::Map(entries) => entries.iter().map(|(_, v)| 1 + size(v)).sum(),
    }
}

impl TreeBuilder<'_> {
    fn fail(&mut self, at: Position, message: String) {
        self.error.get_or_insert(SyntaxError { at, message });
    }

    /// Attaches a finished node to the collection that is open, or makes it a document.
    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            let values = size(&node);
            self.anchors.insert(anchor, (node.clone(), values));
        }
        let Some((parent, _)) = self.open.last_mut() else {
            if !self.documents.is_empty() && self.second_document_at.is_none() {
                self.second_document_at = Some(node.at);
            }
            self.documents.push(node);
            return;
        };
        let entries = match &mut parent.kind {
            NodeKind::Seq(items) => return items.push(node),
            NodeKind::Map(entries) => entries,
            NodeKind::Scalar(_) => return,
        };
        let Some(pending) = self.pending_keys.last_mut() else {
            return;
        };
        // A mapping's events alternate: key, value, key, value...
        if let Some(key) = pending.take() {
            return entries.push((key, node));
        }
        let NodeKind::Scalar(value) = node.kind else {
            let message = "a mapping key must be a plain value, not a list or mapping";
            return self.fail(node.at, message.into());
        };
        let name = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        let duplicate = entries
            .iter()
            .find(|(key, _)| key.name == name)
            .map(|(key, _)| key.at);
        *pending = Some(Key { name, at: node.at });
        if let Some(first) = duplicate {
            let message = format!("duplicate key (first given at line {})", first.line);
            self.fail(node.at, message);
        }
    }
}

impl MarkedEventReceiver for TreeBuilder<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let at = Position::from(mark);
        match event {
            Event::Scalar(text, style, anchor, _tag) => {
                self.values += 1;
                let value = if style == TScalarStyle::Plain {
                    resolve_plain(&text)
                } else {
                    serde_json::Value::String(text)
                };
                self.finish(
                    Node {
                        at,
                        kind: NodeKind::Scalar(value),
                    },
                    anchor,
                );
            }
            Event::SequenceStart(anchor, _tag) => {
                self.values += 1;
                self.open.push((
                    Node {
                        at,
                        kind: NodeKind::Seq(Vec::new()),
                    },
                    anchor,
                ))
            }
            Event::MappingStart(anchor, _tag) => {
                self.values += 1;
                self.open.push((
                    Node {
                        at,
                        kind: NodeKind::Map(Vec::new()),
                    },
                    anchor,
                ));
                self.pending_keys.push(None);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((mut node, anchor)) = self.open.pop() {
                    if let NodeKind::Map(entries) = &node.kind {
                        self.pending_keys.pop();
                        // A block mapping's start event is marked after its first key.
                        if let Some((first, _)) = entries.first() {
                            node.at = node.at.min(first.at);
                        }
                    }
                    self.finish(node, anchor);
                }
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                // Counted before it is copied: an alias bomb fails here, small.
                Some((_, values)) if self.values + values > MAX_VALUES => {
                    let name: String = self
                        .text
                        .chars()
                        .skip(mark.index())
                        .take_while(|c| !c.is_whitespace() && !",]}".contains(*c))
                        .take(64)
                        .collect();
                    let message = format!(
                        "the alias `{name}` would make the config hold more than {MAX_VALUES} values \
                         (aliases of aliases multiply: is this a YAML alias bomb?)"
                    );
                    self.fail(at, message);
                }
                Some((node, values)) => {
                    let mut node = node.clone();
                    self.values += values;
                    node.at = at;
                    self.finish(node, 0);
                }
                None => self.fail(at, "alias to an unknown anchor".into()),
            },
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

/// Resolves an unquoted scalar by the YAML 1.2 core schema.
fn resolve_plain(text: &str) -> serde_json::Value {
    match Yaml::from_str(text) {
        Yaml::Null => serde_json::Value::Null,
        Yaml::Boolean(b) => b.into(),
        Yaml::Integer(i) => i.into(),
        Yaml::Real(real) => real
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| text.into(), serde_json::Value::Number),
        _ => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_to_json_with_core_schema_scalars() {
        let node = parse("a: 1\nb: '1'\nc: [x, true, ~, 2.5]\nd:\n  e: null\n").unwrap();
        assert_eq!(
            node.to_json(),
            json!({"a": 1, "b": "1", "c": ["x", true, null, 2.5], "d": {"e": null}})
        );
    }

    #[test]
    fn positions_point_at_values_and_keys() {
        let text = "top:\n  list:\n    - a\n    - b: 2\n";
        let node = parse(text).unwrap();
        let path = FieldPath::root().key("top").key("list").index(1).key("b");
        assert_eq!(
            node.position_of(&path),
            Position {
                line: 4,
                column: 10
            }
        );
        assert_eq!(node.key_position_of(&path), Position { line: 4, column: 7 });
        // An absent part points at the deepest node that is there.
        let missing = FieldPath::root().key("top").key("nope");
        assert_eq!(node.position_of(&missing), Position { line: 2, column: 3 });
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.at, Position { line: 3, column: 1 });
        assert!(
            err.message
                .contains("duplicate key (first given at line 1)")
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.at.line >= 2, "{err:?}");
    }

    #[test]
    fn aliases_copy_the_anchored_node() {
        let node = parse("x: &lane {delay: 1}\ny: *lane\n").unwrap();
        assert_eq!(
            node.to_json(),
            json!({"x": {"delay": 1}, "y": {"delay": 1}})
        );
    }

    #[test]
    fn empty_and_multi_document_files_are_rejected() {
        assert!(parse("").unwrap_err().message.contains("empty"));
        let err = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(err.at.line, 3);
    }
}
