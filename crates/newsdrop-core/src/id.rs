//! Output ids: derived from the content and the file name, never from time or order.
//!
//! Re-processing the same file after a crash gives the same id, so the same output file is
//! rewritten rather than a second one created; the same bytes under another name give another
//! id (another article, which dedup will call `exact`). The name is the file's path in the
//! inbox ([`inbox_path`]): the same bytes under the same name in two subfolders (two
//! sources) are two articles too.

use sha2::{Digest, Sha256};

/// The article id for a file with content hash `sha256_hex` dropped as `name`:
/// the first 16 bytes of `SHA-256(sha256_hex || 0x00 || name)`, lowercase hex (32 chars).
pub fn article_id(sha256_hex: &str, name: &str) -> String {
    let mut h = Sha256::new();
    h.update(sha256_hex.as_bytes());
    h.update([0u8]);
    h.update(name.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// The name an id is derived from: `folder/name` for a file in an inbox subfolder, the bare
/// name in the inbox itself (so ids of those are as they always were).
pub fn inbox_path<'a>(folder: &str, name: &'a str) -> std::borrow::Cow<'a, str> {
    if folder.is_empty() {
        std::borrow::Cow::Borrowed(name)
    } else {
        std::borrow::Cow::Owned(format!("{folder}/{name}"))
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The splitmix64 finaliser: a fast, well-mixed 64-bit permutation. Dedup fingerprints are
/// built on it, so it must never change (their values are stored with the index).
pub fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_content_and_name_same_id_other_name_other_id() {
        let h = sha256_hex(b"hello");
        assert_eq!(article_id(&h, "a.txt"), article_id(&h, "a.txt"));
        assert_ne!(article_id(&h, "a.txt"), article_id(&h, "b.txt"));
        assert_ne!(
            article_id(&h, "a.txt"),
            article_id(&sha256_hex(b"hello!"), "a.txt")
        );
        assert_eq!(article_id(&h, "a.txt").len(), 32);
    }

    #[test]
    fn mix64_is_the_splitmix64_finaliser() {
        // Stored fingerprints depend on these exact values.
        assert_eq!(mix64(0), 0);
        assert_eq!(mix64(1), 0x5692_161d_100b_05e5);
    }
}
