//! Micro-benchmarks: request building and response decoding, without I/O.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use finapi_access_core::__internals::{
    Decoder, create_user_request, decode_quiet, password_grant_request,
};
use finapi_access_core::types::{AccessToken, ClientSecret, Password, UserCreateParams, UserId};

const TOKEN: &[u8] = br#"{"access_token":"yvMbx_TgwdYE0hgOVb8N4ZOvxOukqfjzYOGRZcJiCjQuRGkVIBfjjV3YG4zKTGiY2aPn2cQTGaQOT8uo5uo7_QOXts1s5UBSVuRHc6a8X30RrGBTyqV9h26SUHcZPNbZ","token_type":"bearer","refresh_token":"0b9KjiBVlZLz7a4HshSAIcFuscStiXT1VzT5mgNYwCQ_dWctTDsaIjedAhD1LpsOFJ7x6K8Emf8M3VOQkwNFR9FHijALYSQw2UeRwAC2MvrOKwfF1dHmOq5VEVYEaGf6","expires_in":3600,"scope":"all"}"#;
const USER: &[u8] = br#"{"id":"username","password":"XXXXX","email":"email@localhost.de","phone":"+49 99 999999-999","isAutoUpdateEnabled":true}"#;
const ERROR: &[u8] = br#"{"errors":[{"message":"User with id 'alice' already exists","code":"ENTITY_EXISTS","type":"BUSINESS","multiStepAuthentication":null}],"date":"2026-11-27 12:00:00.000","requestId":"selfgen-1","endpoint":"POST /api/v2/users","authContext":"1/1","bank":null}"#;

fn building(c: &mut Criterion) {
    let secret = ClientSecret::new("client-secret-&=+%");
    let user = UserId::new("alice@example.com").unwrap();
    let password = Password::new("p&ss+w rd€ö").unwrap();
    c.bench_function("build password grant request", |b| {
        b.iter(|| {
            password_grant_request(
                black_box("https://sandbox.finapi.io/api/v2/oauth/token"),
                "client-id",
                &secret,
                &user,
                &password,
            )
        });
    });
    let token = AccessToken::new("yvMbx_TgwdYE0hgOVb8N4ZOvxOukqfjzYOGRZcJiCjQuRGkVIB");
    let params = UserCreateParams::new()
        .id(user.clone())
        .password(password.clone())
        .auto_update(false);
    c.bench_function("build create user request", |b| {
        b.iter(|| {
            create_user_request(
                black_box("https://sandbox.finapi.io/api/v2/users"),
                &token,
                &params,
            )
        });
    });
}

fn decoding(c: &mut Criterion) {
    c.bench_function("decode token response", |b| {
        b.iter(|| decode_quiet(Decoder::Token, 200, black_box(TOKEN)));
    });
    c.bench_function("decode user", |b| {
        b.iter(|| decode_quiet(Decoder::User, 200, black_box(USER)));
    });
    c.bench_function("decode ErrorMessage", |b| {
        b.iter(|| decode_quiet(Decoder::Empty, 422, black_box(ERROR)));
    });
}

criterion_group!(benches, building, decoding);
criterion_main!(benches);
