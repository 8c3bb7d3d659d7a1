package smtpd

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// ParseDKIMKey parses a PEM private key as stored in store.DKIMKey: PKCS#8
// ("PRIVATE KEY") holding an RSA (at least 1024 bits) or Ed25519 key. PKCS#1
// ("RSA PRIVATE KEY") is accepted too.
func ParseDKIMKey(pemText string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("smtpd: dkim key: no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("smtpd: dkim key: unexpected PEM block %q (want PRIVATE KEY, PKCS#8)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("smtpd: dkim key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("smtpd: dkim key: RSA key of %d bits is too small (RFC 8301 wants 1024 at least)", k.N.BitLen())
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	case *ed25519.PrivateKey:
		return *k, nil
	default:
		return nil, fmt.Errorf("smtpd: dkim key: unsupported key type %T (want RSA or Ed25519)", key)
	}
}

// GenerateDKIMKey makes a new signing key: alg is "rsa" (2048 bits) or
// "ed25519". It returns the private key as PKCS#8 PEM (for store.DKIMKey)
// and the DNS TXT record value to publish at <selector>._domainkey.<domain>.
func GenerateDKIMKey(alg string) (pemText string, dnsTXT string, err error) {
	var priv any
	var txt string
	switch strings.ToLower(alg) {
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return "", "", fmt.Errorf("smtpd: generate rsa key: %w", err)
		}
		pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			return "", "", fmt.Errorf("smtpd: marshal rsa public key: %w", err)
		}
		priv, txt = k, "v=DKIM1; k=rsa; p="+base64.StdEncoding.EncodeToString(pub)
	case "ed25519":
		pub, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return "", "", fmt.Errorf("smtpd: generate ed25519 key: %w", err)
		}
		// RFC 8463 §4.2: p= is the raw 32-byte public key.
		priv, txt = k, "v=DKIM1; k=ed25519; p="+base64.StdEncoding.EncodeToString(pub)
	default:
		return "", "", fmt.Errorf("smtpd: unknown dkim algorithm %q (want rsa or ed25519)", alg)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", "", fmt.Errorf("smtpd: marshal private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), txt, nil
}

// dkimHeaderKeys are the fields signed (RFC 6376 §5.4.1's recommendation).
var dkimHeaderKeys = []string{"From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	"List-Unsubscribe", "List-Unsubscribe-Post"}

type dkimKey struct {
	selector string
	signer   crypto.Signer
}

// keyring holds the signing keys by domain, reloaded from a DKIMKeySource.
// A message is signed with the newest key of the From domain (exact match).
type keyring struct {
	src  DKIMKeySource
	log  *slog.Logger
	keys atomic.Pointer[map[string]dkimKey]
}

func (k *keyring) load(ctx context.Context) error {
	list, err := k.src.DKIMKeys(ctx)
	if err != nil {
		return fmt.Errorf("smtpd: load dkim keys: %w", err)
	}
	m := make(map[string]dkimKey, len(list))
	for _, dk := range list {
		d := strings.ToLower(strings.TrimSuffix(dk.Domain, "."))
		if _, ok := m[d]; ok {
			continue // the list is newest first within a domain
		}
		s, err := ParseDKIMKey(dk.PrivateKeyPEM)
		if err != nil {
			k.log.Error("dkim key unusable", "domain", d, "selector", dk.Selector, "err", err)
			continue
		}
		m[d] = dkimKey{selector: dk.Selector, signer: s}
	}
	k.keys.Store(&m)
	return nil
}

func (k *keyring) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			lctx, cancel := context.WithTimeout(ctx, every)
			if err := k.load(lctx); err != nil && ctx.Err() == nil {
				k.log.Warn("dkim key refresh failed; keeping the previous keys", "err", err)
			}
			cancel()
		}
	}
}

// sign returns the DKIM-Signature field (with CRLF) for raw, or nil when
// there is no key for domain.
func (k *keyring) sign(domain string, raw []byte) ([]byte, error) {
	if k == nil || domain == "" {
		return nil, nil
	}
	m := k.keys.Load()
	if m == nil {
		return nil, nil
	}
	key, ok := (*m)[domain]
	if !ok {
		return nil, nil
	}
	s, err := dkim.NewSigner(&dkim.SignOptions{
		Domain: domain, Selector: key.selector, Signer: key.signer,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             dkimHeaderKeys,
	})
	if err != nil {
		return nil, fmt.Errorf("smtpd: dkim signer: %w", err)
	}
	if _, err := s.Write(raw); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("smtpd: dkim sign: %w", err)
	}
	if err := s.Close(); err != nil {
		return nil, fmt.Errorf("smtpd: dkim sign: %w", err)
	}
	return []byte(s.Signature()), nil
}
