//! The CloudFormation vocabulary the other modules write in: intrinsic
//! functions, resources with their policies and skips, and the ordered
//! resource map.

use serde_json::{Map, Value, json};

use crate::limits::MAX_LOGICAL_ID_CHARS;

/// `{"Ref": id}`: a parameter's value, or a resource's default attribute.
pub fn reference(id: &str) -> Value {
    json!({ "Ref": id })
}

/// `{"Fn::GetAtt": [id, attribute]}`.
pub fn get_att(id: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [id, attribute] })
}

/// `{"Fn::Sub": text}`: `${Name}` and `${Name.Attribute}` are substituted.
pub fn sub(text: impl Into<String>) -> Value {
    json!({ "Fn::Sub": text.into() })
}

/// `text` made safe to embed in an `Fn::Sub` string: a literal `${` is
/// written `${!`.
pub fn sub_escape(text: &str) -> String {
    text.replace("${", "${!")
}

/// A checkov check this resource does not pass on purpose, and why. Written
/// into the resource's `Metadata`, where checkov reads it and people see it.
#[derive(Debug, Clone)]
pub struct Skip {
    pub check: &'static str,
    pub reason: String,
}

/// What CloudFormation does to a resource when the stack is deleted or an
/// update replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Retain,
    Delete,
}

/// One resource of the template, built up then turned into JSON.
#[derive(Debug, Clone)]
pub struct Resource {
    kind: &'static str,
    properties: Value,
    keep: Option<Keep>,
    depends_on: Vec<String>,
    skips: Vec<Skip>,
}

impl Resource {
    pub fn new(kind: &'static str, properties: Value) -> Self {
        Resource {
            kind,
            properties,
            keep: None,
            depends_on: Vec::new(),
            skips: Vec::new(),
        }
    }

    /// Sets both `DeletionPolicy` and `UpdateReplacePolicy`.
    pub fn keep(mut self, keep: Keep) -> Self {
        self.keep = Some(keep);
        self
    }

    /// An ordering dependency that no `Ref` or `GetAtt` already implies.
    pub fn depends_on(mut self, id: impl Into<String>) -> Self {
        self.depends_on.push(id.into());
        self
    }

    pub fn skip(mut self, check: &'static str, reason: impl Into<String>) -> Self {
        self.skips.push(Skip {
            check,
            reason: reason.into(),
        });
        self
    }

    pub fn into_value(self) -> Value {
        let mut out = Map::new();
        out.insert("Type".into(), self.kind.into());
        if let Some(keep) = self.keep {
            let policy = match keep {
                Keep::Retain => "Retain",
                Keep::Delete => "Delete",
            };
            out.insert("DeletionPolicy".into(), policy.into());
            out.insert("UpdateReplacePolicy".into(), policy.into());
        }
        if !self.depends_on.is_empty() {
            out.insert("DependsOn".into(), json!(self.depends_on));
        }
        if !self.skips.is_empty() {
            let skips: Vec<Value> = self
                .skips
                .into_iter()
                .map(|skip| json!({ "id": skip.check, "comment": skip.reason }))
                .collect();
            out.insert("Metadata".into(), json!({ "checkov": { "skip": skips } }));
        }
        out.insert("Properties".into(), self.properties);
        Value::Object(out)
    }
}

/// The template's resources, in the order they were added, and the
/// conditions some of them use.
#[derive(Debug, Default)]
pub struct Resources {
    map: Map<String, Value>,
    conditions: Map<String, Value>,
}

impl Resources {
    /// Adds a resource. Logical IDs are built by this crate; a repeated one is
    /// a bug here, not in the config.
    pub fn add(&mut self, id: impl Into<String>, resource: Resource) {
        let id = id.into();
        debug_assert!(!self.map.contains_key(&id), "logical ID {id} added twice");
        debug_assert!(
            id.len() <= MAX_LOGICAL_ID_CHARS && id.chars().all(|c| c.is_ascii_alphanumeric()),
            "logical ID {id} is not 1 to {MAX_LOGICAL_ID_CHARS} alphanumerics"
        );
        self.map.insert(id, resource.into_value());
    }

    /// Adds a condition (again under the same id: the same condition).
    pub fn condition(&mut self, id: impl Into<String>, condition: Value) {
        self.conditions.insert(id.into(), condition);
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The `Resources` and `Conditions` sections.
    pub fn into_sections(self) -> (Value, Value) {
        (Value::Object(self.map), Value::Object(self.conditions))
    }
}

/// A resource of the pipeline as the template refers to it: created by the
/// stack (a `Ref`/`GetAtt`) or given in the config (a literal).
#[derive(Debug, Clone)]
pub struct Named {
    /// The resource's ARN.
    pub arn: Value,
    /// The resource's name (for a topic, its name, not its ARN).
    pub name: Value,
    /// The name as it is written inside an `Fn::Sub` string.
    pub name_in_sub: String,
}

/// A logical ID for a user-chosen name: its parts (split at `-` and `_`)
/// capitalised and joined, alphanumerics only (`sec-log_upload` → `SecLogUpload`).
pub fn id_part(name: &str) -> String {
    name.split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars().filter(char::is_ascii_alphanumeric);
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + &chars.collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_names() {
        assert_eq!(id_part("SecLogUpload"), "SecLogUpload");
        assert_eq!(id_part("sec-log_upload"), "SecLogUpload");
        assert_eq!(id_part("a--b"), "AB");
        assert_eq!(id_part("_"), "");
    }

    #[test]
    fn sub_escape_keeps_literal_dollar_braces() {
        assert_eq!(sub_escape("a${b}c"), "a${!b}c");
        assert_eq!(sub_escape("plain/$x"), "plain/$x");
    }

    #[test]
    fn resource_json_order_and_skips() {
        let value = Resource::new("AWS::SNS::Topic", json!({}))
            .keep(Keep::Retain)
            .depends_on("X")
            .skip("CKV_AWS_1", "why")
            .into_value();
        let keys: Vec<&String> = value
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "Type",
                "DeletionPolicy",
                "UpdateReplacePolicy",
                "DependsOn",
                "Metadata",
                "Properties"
            ]
        );
        assert_eq!(value["Metadata"]["checkov"]["skip"][0]["comment"], "why");
    }
}
