//! Problems found in a config file, printed as `FILE:LINE:COL: field.path: message`.

use std::fmt;
use std::path::PathBuf;

use super::path::FieldPath;
use super::yaml::Position;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The config does not load.
    Error,
    /// The config loads, but probably does not do what was meant.
    Warning,
}

/// One problem: what, about which field, and where in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The field it is about.
    pub path: FieldPath,
    /// What is wrong, and what to do about it.
    pub message: String,
    /// Filled in from the file once the problem is found.
    pub at: Option<Position>,
    /// Point at the key rather than its value (unknown keys).
    pub(super) at_key: bool,
}

/// The longest message a diagnostic keeps: one that quotes a value (a
/// 10 MB string where an ARN belongs) is cut, the position says where.
pub const MAX_MESSAGE_CHARS: usize = 400;

impl Diagnostic {
    /// An error about `path` (the message cut at [`MAX_MESSAGE_CHARS`]).
    pub fn error(path: FieldPath, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
            message.truncate(cut);
            message.push_str("… (cut)");
        }
        Diagnostic {
            severity: Severity::Error,
            path,
            message,
            at: None,
            at_key: false,
        }
    }

    /// A warning about `path`.
    pub fn warning(path: FieldPath, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    pub(super) fn at_key(mut self) -> Self {
        self.at_key = true;
        self
    }

    pub(super) fn at(mut self, at: Position) -> Self {
        self.at = Some(at);
        self
    }

    /// Whether it keeps the config from loading.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// All problems of one config file, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The config file.
    pub file: PathBuf,
    /// Its problems.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// The errors, without the warnings.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    pub(super) fn sort(&mut self) {
        self.diagnostics.sort_by_key(|d| (d.at, d.severity));
    }

    /// One line per problem, ending with a count.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for diagnostic in &self.diagnostics {
            let at = diagnostic.at.unwrap_or(Position { line: 1, column: 1 });
            let warning = match diagnostic.severity {
                Severity::Error => "",
                Severity::Warning => "warning: ",
            };
            let field = match diagnostic.path.segments() {
                [] => String::new(),
                _ => format!("{}: ", diagnostic.path),
            };
            out.push_str(&format!(
                "{}:{at}: {field}{warning}{}\n",
                self.file.display(),
                diagnostic.message
            ));
        }
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())?;
        let errors = self.errors().count();
        let warnings = self.diagnostics.len() - errors;
        write!(
            f,
            "{}: {errors} error{}, {warnings} warning{}",
            self.file.display(),
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Report {}
