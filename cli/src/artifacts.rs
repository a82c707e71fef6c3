//! Uploads to `sam.code_bucket` under content-hash keys: the code zip, and
//! the template when it is too large to send inline. A key names its bytes,
//! so an object already there is never uploaded again.

use anyhow::Context;
use aws_sdk_s3::primitives::ByteStream;
use sha2::{Digest, Sha256};

use crate::code_zip::{hex, key_prefix};

/// Whether an upload happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploaded {
    /// The object was put.
    New,
    /// An object was already there under the key (same hash, same bytes).
    AlreadyThere,
}

/// Puts `bytes` at `s3://bucket/key` unless an object is already there.
pub async fn upload_if_absent(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    bytes: &[u8],
) -> anyhow::Result<Uploaded> {
    let url = format!("s3://{bucket}/{key}");
    match s3.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => {
            tracing::debug!(url, "already uploaded");
            return Ok(Uploaded::AlreadyThere);
        }
        Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => {}
        Err(error) => {
            return Err(slips::aws::sdk_error(error))
                .with_context(|| format!("checking {url} (sam.code_bucket)"));
        }
    }
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(bytes.to_vec()))
        .send()
        .await
        .map_err(slips::aws::sdk_error)
        .with_context(|| {
            format!("uploading {url} (sam.code_bucket must be an existing bucket you can write to)")
        })?;
    tracing::debug!(url, bytes = bytes.len(), "uploaded");
    Ok(Uploaded::New)
}

/// The largest template CloudFormation takes inline (`TemplateBody`): 51,200
/// bytes ("CloudFormation quotas"); larger ones go through S3 (`TemplateURL`,
/// up to 1 MB).
pub const MAX_TEMPLATE_BODY_BYTES: usize = 51_200;

/// Uploads a template too large to send inline and returns its
/// `TemplateURL`: `PREFIX/STACK/templates/SHA256.json` in the code bucket.
pub async fn upload_template(
    s3: &aws_sdk_s3::Client,
    region: &str,
    bucket: &str,
    code_prefix: &str,
    stack_name: &str,
    template: &str,
) -> anyhow::Result<String> {
    let key = format!(
        "{}{stack_name}/templates/{}.json",
        key_prefix(code_prefix),
        hex(&Sha256::digest(template.as_bytes()))
    );
    upload_if_absent(s3, bucket, &key, template.as_bytes()).await?;
    Ok(template_url(region, bucket, &key))
}

/// The virtual-hosted-style HTTPS URL CloudFormation reads a template from.
pub fn template_url(region: &str, bucket: &str, key: &str) -> String {
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{bucket}.s3.{region}.{domain}/{key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_urls() {
        assert_eq!(
            template_url("eu-west-1", "artifacts", "f/s/templates/ab.json"),
            "https://artifacts.s3.eu-west-1.amazonaws.com/f/s/templates/ab.json"
        );
        assert_eq!(
            template_url("cn-north-1", "a", "k"),
            "https://a.s3.cn-north-1.amazonaws.com.cn/k"
        );
    }
}
