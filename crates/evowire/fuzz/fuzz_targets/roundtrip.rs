//! Any bytes decoded as a few typed messages: when one decodes, encode, decode, encode and
//! compare the bytes, twice (the encoding must be a fixed point after the first pass).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    evowire_fuzz::check_typed(data);
});
