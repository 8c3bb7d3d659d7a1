package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"golang.org/x/crypto/bcrypt"
)

// SecretCost is the bcrypt cost for SMTP secrets (about 50 ms on one core).
// smtpd caches successful checks in memory so a busy tenant does not pay it
// on every connection.
const SecretCost = 10

// NewSecret returns a random secret: 32 bytes, base64url without padding.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret hashes an SMTP secret with bcrypt.
func HashSecret(secret string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(secret), SecretCost)
	return string(h), err
}

// CheckSecret reports whether secret matches a HashSecret hash.
func CheckSecret(hash, secret string) bool {
	if hash == "" || len(secret) > 72 {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(secret)) == nil
}

// TokenHash is the stored form of an API token. Tokens are 256-bit random
// values, so a fast hash is enough: there is nothing to brute-force.
func TokenHash(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}
