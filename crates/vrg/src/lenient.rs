//! Lenient decoding helpers (reference §8).
