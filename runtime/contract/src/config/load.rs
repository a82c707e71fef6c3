//! Loading a config file: YAML → typed [`Config`] → checks, with every
//! problem reported at once and pointing into the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::diagnostic::{Diagnostic, Report};
use super::path::{FieldPath, Segment};
use super::{Config, validate, yaml};
use crate::format::FormatChain;
use crate::suggest::did_you_mean;

/// A config that passed every check, with the warnings it raised.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The config, `handler.path` resolved against the file's directory.
    pub config: Config,
    /// Warnings only (a config with errors does not load).
    pub warnings: Report,
}

/// Why a config did not load.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    // The source is not repeated here: `{:#}` prints the chain.
    #[error("cannot read config file {}{}", file.display(), read_hint(source))]
    /// The file could not be read.
    Read {
        /// The config file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file was read; these are its problems.
    #[error("{0}")]
    Invalid(Report),
}

/// What to do about a config that is not there.
fn read_hint(error: &std::io::Error) -> &'static str {
    if error.kind() == std::io::ErrorKind::NotFound {
        " (give one with -c FILE, or create one with `slips init`)"
    } else {
        ""
    }
}

/// Reads and checks the config file at `file`.
pub fn load(file: &Path) -> Result<Loaded, LoadError> {
    let text = std::fs::read_to_string(file).map_err(|source| LoadError::Read {
        file: file.to_path_buf(),
        source,
    })?;
    let base_dir = file.parent().unwrap_or(Path::new(""));
    load_str(&text, file, base_dir).map_err(LoadError::Invalid)
}

/// Checks config text; `file` names it in messages, relative paths resolve against `base_dir`.
pub fn load_str(text: &str, file: &Path, base_dir: &Path) -> Result<Loaded, Report> {
    let mut report = Report {
        file: file.to_path_buf(),
        diagnostics: Vec::new(),
    };
    let tree = match yaml::parse(text) {
        Ok(tree) => tree,
        Err(syntax) => {
            let message = format!("YAML syntax error: {}", syntax.message);
            report
                .diagnostics
                .push(Diagnostic::error(FieldPath::root(), message).at(syntax.at));
            return Err(report);
        }
    };
    // What a config must be, said before the fields are read.
    let shape = match &tree.kind {
        yaml::NodeKind::Map(_) => None,
        yaml::NodeKind::Scalar(serde_json::Value::Null) => {
            Some("the file holds no settings (only `---` or comments)")
        }
        yaml::NodeKind::Seq(_) => Some("the file is a YAML list"),
        yaml::NodeKind::Scalar(_) => Some("the file is a single value"),
    };
    if let Some(what) = shape {
        let message = format!(
            "{what}: a config is a YAML mapping of `stack_name`, `backend`, `handler` and \
             `bucket_mapping` (see config.example.yml)"
        );
        report
            .diagnostics
            .push(Diagnostic::error(FieldPath::root(), message).at(tree.at));
        return Err(report);
    }
    let mut json = tree.to_json();
    drop_empty_keys(&mut json);
    check_format_chains(&mut json, &mut report.diagnostics);
    let config = deserialize_reporting_all(json, &mut report.diagnostics);
    let config = config.map(|mut config| {
        if config.handler.path.is_relative() {
            config.handler.path = base_dir.join(&config.handler.path);
        }
        report.diagnostics.extend(validate::check(&config));
        config
    });
    for diagnostic in &mut report.diagnostics {
        if diagnostic.at.is_none() {
            diagnostic.at = Some(if diagnostic.at_key {
                tree.key_position_of(&diagnostic.path)
            } else {
                tree.position_of(&diagnostic.path)
            });
        }
    }
    report.sort();
    match config {
        Some(config) if !report.has_errors() => Ok(Loaded {
            config,
            warnings: report,
        }),
        _ => Err(report),
    }
}

/// The JSON Schema of the config file, generated from the config types.
pub fn schema() -> Value {
    let mut schema = schemars::schema_for!(Config).to_value();
    if let Some(object) = schema.as_object_mut() {
        object.insert("title".into(), "slips config.yml".into());
    }
    schema
}

/// Checks every mapping's format chain, reporting each bad name at its
/// index (serde would stop at the first). A bad chain is replaced by
/// `[ignore]`, so the rest of its mapping is still checked (a config with
/// errors is never used).
fn check_format_chains(json: &mut Value, diagnostics: &mut Vec<Diagnostic>) {
    let Some(buckets) = json
        .get_mut("bucket_mapping")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (bucket, mappings) in buckets.iter_mut() {
        let Some(mappings) = mappings.as_array_mut() else {
            continue;
        };
        for (i, mapping) in mappings.iter_mut().enumerate() {
            let Some(mapping) = mapping.as_object_mut() else {
                continue;
            };
            // Anything but a list of names is a type error serde reports.
            let names: Option<Vec<&str>> = match mapping.get("format") {
                Some(Value::Array(names)) => names.iter().map(Value::as_str).collect(),
                _ => None,
            };
            let Some(Err(errors)) = names.map(|names| FormatChain::parse(&names)) else {
                continue;
            };
            let at = FieldPath::root()
                .key("bucket_mapping")
                .key(bucket)
                .index(i)
                .key("format");
            for error in errors {
                let field = match error.index {
                    Some(index) => at.index(index),
                    None => at.clone(),
                };
                diagnostics.push(Diagnostic::error(field, error.message));
            }
            mapping.insert("format".into(), serde_json::json!(["ignore"]));
        }
    }
}

/// Deserializes the config, reporting every unknown key and as many type
/// errors as can be found: after each error the value at fault is taken out
/// and deserialization runs again, until it succeeds or nothing is left to
/// take.
fn deserialize_reporting_all(mut json: Value, diagnostics: &mut Vec<Diagnostic>) -> Option<Config> {
    let mut removed: Vec<FieldPath> = Vec::new();
    let mut unknown: BTreeSet<FieldPath> = BTreeSet::new();
    let config = loop {
        let mut note_unknown = |path: serde_ignored::Path<'_>| {
            unknown.insert(FieldPath::from(path));
        };
        let deserializer = serde_ignored::Deserializer::new(&json, &mut note_unknown);
        let error = match serde_path_to_error::deserialize::<_, Config>(deserializer) {
            Ok(config) => break Some(config),
            Err(error) => error,
        };
        let at = FieldPath::from(error.path());
        let message = error.inner().to_string();
        let cut = match missing_field(&message) {
            Some(field) => {
                let path = at.key(field);
                // A field missing only because an earlier pass took it out is no new problem.
                if !removed.contains(&path) {
                    diagnostics.push(Diagnostic::error(path, "required field is missing"));
                }
                at.through_last_key()
            }
            None => {
                diagnostics.push(Diagnostic::error(at.clone(), with_variant_hint(message)));
                at.through_last_key()
            }
        };
        match cut {
            Some(cut) if remove(&mut json, &cut) => removed.push(cut),
            _ => break None,
        }
    };
    let schema = schema();
    for path in unknown {
        let name = path.last_key().unwrap_or_default().to_string();
        let known = known_keys(&schema, &path.parent().unwrap_or_default());
        let hint = match did_you_mean(&name, &known) {
            Some(near) => format!("; did you mean `{near}`?"),
            None if known.is_empty() => String::new(),
            None => format!("; expected one of: {}", known.join(", ")),
        };
        let message = format!("unknown field `{name}`{hint}");
        diagnostics.push(Diagnostic::error(path, message).at_key());
    }
    config
}

/// Treats `key:` with no value as if the key were absent, as YAML users
/// expect (e.g. `role_arn:` whose entries are all commented out). The
/// handler's own `args` are left as written.
fn drop_empty_keys(json: &mut Value) {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(object) => {
                object.retain(|_, v| !v.is_null());
                object.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let args = json.pointer_mut("/handler/args").map(Value::take);
    walk(json);
    let handler = json.get_mut("handler").and_then(Value::as_object_mut);
    if let (Some(handler), Some(args)) = (handler, args.filter(|a| !a.is_null())) {
        handler.insert("args".into(), args);
    }
}

/// Adds "did you mean" to serde's "unknown variant `fsat`, expected one of `fast`, ...".
fn with_variant_hint(message: String) -> String {
    let Some(rest) = message.strip_prefix("unknown variant `") else {
        return message;
    };
    // serde lists two variants as "expected `a` or `b`", more as "expected one of `a`, `b`, ...".
    let Some((given, expected)) = rest
        .split_once("`, expected one of ")
        .or_else(|| rest.split_once("`, expected "))
    else {
        return message;
    };
    let candidates: Vec<&str> = expected
        .split(", ")
        .flat_map(|c| c.split(" or "))
        .map(|c| c.trim_matches('`'))
        .collect();
    match did_you_mean(given, &candidates) {
        Some(near) => format!("{message}; did you mean `{near}`?"),
        None => message,
    }
}

/// `missing field `x`` → `x`.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

/// Takes the value at `path` (which ends in a key) out of `json`.
fn remove(json: &mut Value, path: &FieldPath) -> bool {
    let (Some(parent), Some(key)) = (path.parent(), path.last_key()) else {
        return false;
    };
    let mut node = json;
    for segment in parent.segments() {
        let next = match segment {
            Segment::Key(name) => node.get_mut(name.as_str()),
            Segment::Index(index) => node.get_mut(*index),
        };
        match next {
            Some(next) => node = next,
            None => return false,
        }
    }
    node.as_object_mut()
        .is_some_and(|object| object.remove(key).is_some())
}

/// The field names the schema allows in the mapping at `path`.
fn known_keys(schema: &Value, path: &FieldPath) -> Vec<String> {
    let mut node = resolve(schema, schema);
    for segment in path.segments() {
        let next = match segment {
            Segment::Key(name) => node
                .pointer(&format!("/properties/{name}"))
                .or_else(|| node.get("additionalProperties")),
            Segment::Index(_) => node.get("items"),
        };
        match next {
            Some(next) => node = resolve(schema, next),
            None => return Vec::new(),
        }
    }
    node.get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

/// Follows `$ref`s and the non-null branch of optional values.
fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    loop {
        if let Some(name) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            && let Some(target) = root.pointer(&format!("/$defs/{name}"))
        {
            node = target;
            continue;
        }
        // Of a value's forms (a name or a map, say), the one with fields.
        let branches = node.get("anyOf").or_else(|| node.get("oneOf"));
        if let Some(branch) = branches.and_then(Value::as_array).and_then(|branches| {
            let mut forms = branches
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"));
            let first = forms.clone().next();
            forms
                .find(|b| resolve(root, b).get("properties").is_some())
                .or(first)
        }) {
            node = branch;
            continue;
        }
        return node;
    }
}
