//! Proves the test harness: the SDK, configured as slips configures it,
//! really talks to the emulator.

mod support;

#[tokio::test]
async fn s3_round_trip_through_the_emulator() {
    let sdk = support::sdk_config().await;
    let s3 = slips::aws::s3_client(&sdk);
    let bucket = support::unique_name("smoke");
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create bucket");

    let key = "logs/2026/11/22/a b+c.json";
    let body = b"{\"hello\":\"moto\"}\n".to_vec();
    s3.put_object()
        .bucket(&bucket)
        .key(key)
        .body(body.clone().into())
        .send()
        .await
        .expect("put object");

    let listed = s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("logs/")
        .send()
        .await
        .expect("list objects");
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, [key]);

    let got = s3
        .get_object()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .expect("get object");
    assert_eq!(got.content_length(), Some(body.len() as i64));
    let bytes = got.body.collect().await.expect("read body").into_bytes();
    assert_eq!(bytes.as_ref(), body.as_slice());

    let missing = s3.get_object().bucket(&bucket).key("absent").send().await;
    assert!(missing.is_err(), "an absent key must be an error");
}
