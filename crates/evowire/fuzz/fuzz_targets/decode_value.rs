//! Any bytes decode as `evowire::Value` without panicking. When they decode, the value
//! re-encodes, decodes again to the same value (floats by bits) and re-encodes to the same
//! bytes; the slice and reader decoders agree; `IgnoredAny` skips the same input.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    evowire_fuzz::check_value(data);
});
