//! Runs every conformance case once per transport adapter.

macro_rules! cases {
    ($make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                finapi_access_tests::cases::$case($make).await;
            }
        )*
    };
}

macro_rules! suite {
    ($adapter:ident, $make:path) => {
        mod $adapter {
            cases!($make;
                client_token_sends_form_body,
                client_token_uses_v1_path,
                client_token_decodes_success,
                client_token_sends_caller_request_id,
                request_ids_are_generated_per_request,
                create_user_sends_json_with_client_bearer,
                create_user_uses_v1_path,
                create_user_without_fields_sends_empty_object,
                create_user_reuses_the_cached_client_token,
                user_token_sends_password_grant,
                user_token_uses_v1_path,
                password_with_special_characters_round_trips,
                refresh_grant_sends_refresh_token,
                bad_user_credentials_is_api_error,
                bad_client_credentials_is_oauth_error,
                oauth_error_accepts_camel_case_description,
                forbidden_is_api_error,
                locked_user_is_api_error,
                unknown_error_code_is_kept,
                html_500_is_unexpected_response,
                empty_error_body_is_unexpected_response,
                empty_success_body_is_unexpected_response,
                create_user_conflict_is_entity_exists,
                create_user_reports_a_failed_token_step,
                error_without_echo_keeps_the_sent_request_id,
                redirects_are_not_followed,
                oversized_body_is_refused,
                refused_connection_is_connect_error,
                debug_and_display_never_show_secrets,
                invalid_input_is_refused_before_sending,
            );
        }
    };
}

suite!(reqwest, finapi_access_tests::reqwest_transport);
suite!(hyper, finapi_access_tests::hyper_transport);
