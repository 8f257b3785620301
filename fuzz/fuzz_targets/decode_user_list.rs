//! Fuzzes the user list decoder with any status, content type and body.
#![no_main]

use finapi_access_core::__internals::{Decoder, decode};
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [&str; 4] = ["application/json", "text/html", "", "application/json; charset=utf-8"];

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = 100 + u16::from_le_bytes([data[0], data[1]]) % 500;
    let content_type = CONTENT_TYPES[usize::from(data[2]) % CONTENT_TYPES.len()];
    let _ = decode(Decoder::UserList, status, content_type, &data[3..]);
});
