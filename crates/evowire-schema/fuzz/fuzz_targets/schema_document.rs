//! Any bytes load as a schema document or fail cleanly; a loaded schema validates, writes
//! and reads back unchanged, and compares with itself without a change.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    evowire_schema_fuzz::check_document(data);
});
