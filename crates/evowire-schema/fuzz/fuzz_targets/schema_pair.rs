//! Two documents (split at the first zero byte) compare both ways without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    evowire_schema_fuzz::check_pair(data);
});
