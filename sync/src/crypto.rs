//! Encryption at rest for the Spotify refresh token.
//!
//! The key is 32 bytes, from the `secret_key` setting (base64) or from a key
//! file the server creates beside the database with mode 0600. Tokens are
//! sealed with XChaCha20-Poly1305 under a random nonce, stored as
//! `nonce || ciphertext`.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

const NONCE_LEN: usize = 24;

/// Seals and opens secrets with the server's key. Its `Debug` shows no key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

/// Why a key could not be had or a secret could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the secret key must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)")]
    BadKey,
    #[error("key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("the stored Spotify token cannot be decrypted with this server's key; connect Spotify again")]
    Undecryptable,
    #[error("no random numbers: {0}")]
    Random(String),
}

impl SecretBox {
    /// A box from a base64 key (the `secret_key` setting).
    pub fn from_base64(key: &str) -> Result<Self, CryptoError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.trim())
            .map_err(|_| CryptoError::BadKey)?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        Ok(Self {
            cipher: XChaCha20Poly1305::new(Key::from_slice(bytes)),
        })
    }

    /// A box whose key lives in `path`, created (mode 0600) if it does not exist.
    pub fn from_key_file(path: &Path) -> Result<Self, CryptoError> {
        let file_error = |source| CryptoError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read(path) {
            Ok(bytes) => Self::from_bytes(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).map_err(|e| CryptoError::Random(e.to_string()))?;
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(file_error)?;
                file.write_all(&key).map_err(file_error)?;
                file.sync_all().map_err(file_error)?;
                Self::from_bytes(&key)
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// Seals `plain` under a fresh nonce.
    pub fn seal(&self, plain: &str) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| CryptoError::Random(e.to_string()))?;
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| CryptoError::Undecryptable)?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(out)
    }

    /// Opens what [`seal`](Self::seal) made.
    pub fn open(&self, sealed: &[u8]) -> Result<String, CryptoError> {
        if sealed.len() < NONCE_LEN {
            return Err(CryptoError::Undecryptable);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), body)
            .map_err(|_| CryptoError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret.key");
        let sealed = SecretBox::from_key_file(&path)
            .expect("new key")
            .seal("refresh-me")
            .expect("seal");
        assert!(!String::from_utf8_lossy(&sealed).contains("refresh-me"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = SecretBox::from_key_file(&path).expect("same key");
        assert_eq!(again.open(&sealed).expect("open"), "refresh-me");
        let other =
            SecretBox::from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").expect("key");
        assert!(matches!(
            other.open(&sealed),
            Err(CryptoError::Undecryptable)
        ));
        assert!(matches!(
            SecretBox::from_base64("short"),
            Err(CryptoError::BadKey)
        ));
    }
}
