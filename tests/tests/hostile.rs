//! The hostile-response corpus, once per transport adapter.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reqwest_hostile_responses_end_in_typed_errors() {
    finapi_access_tests::hostile::hostile_responses_end_in_typed_errors(
        finapi_access_tests::reqwest_transport,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_hostile_responses_end_in_typed_errors() {
    finapi_access_tests::hostile::hostile_responses_end_in_typed_errors(
        finapi_access_tests::hyper_transport,
    )
    .await;
}
